"""What a use case can refuse; the API layer maps each to a status code."""


class NotFound(Exception):
    """The thing does not exist for this caller (another user's thing is reported the same way)."""


class Unprocessable(Exception):
    """Well-formed input that this request cannot be carried out with."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class NotConfigured(Exception):
    """The deployment lacks a setting this capability needs."""
