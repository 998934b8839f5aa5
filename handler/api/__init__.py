"""The HTTP layer: parses and validates requests, calls a use case, shapes the response."""
