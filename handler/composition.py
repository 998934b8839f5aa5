"""The composition root: what the function is made of, built once per container and handed down.

`Services` holds the settings (read once, by `from_environment`), the store (the container's one
database connection), the AWS clients and the models (each made on first use, so that a SnapStart
snapshot holds none: handler.snap_start closes and drops them before it); the entry points
(handler.app, which hands its own to the worker, handler.backfill, handler.migrate) build it at
init, and nothing below reads the environment or keeps a client or a connection of its own.
`Caller` is one request's or job's view of it: who is asking, and what acts for them; the use
cases in handler.logic take it first.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from handler.aws import Clients
from handler.dal.store import BoundStore, Store
from handler.inference.provider import Models
from handler.settings import Settings, load_settings


@dataclass(frozen=True)
class Services:
    settings: Settings

    # The container's one connection, opened on first use: a Lambda container handles one request
    # at a time. The entry points close it (between runs, before a snapshot).
    @functools.cached_property
    def store(self) -> Store:
        """The store acting for whom a use case binds it to."""
        return Store(self.settings)

    @classmethod
    def from_environment(cls) -> Services:
        """The settings read from the environment, once (SettingsError names a bad one)."""
        return cls(settings=load_settings())

    # Made on first use, once per Services (cached_property writes the instance's own __dict__).
    @functools.cached_property
    def aws(self) -> Clients:
        return Clients(local_s3=bool(self.settings.aws_endpoint_url_s3 or self.settings.aws_endpoint_url))

    @functools.cached_property
    def models(self) -> Models:
        return Models(self.aws, self.settings)

    def acting_for(self, user_id: str) -> Caller:
        return Caller(user_id=user_id, services=self)


@dataclass(frozen=True)
class Caller:
    """Who a request or a job acts for, and what acts for them."""

    user_id: str
    services: Services

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @functools.cached_property
    def store(self) -> BoundStore:
        """The store acting for this caller: every statement as them, under row-level security
        (made once per request or job)."""
        return self.services.store.for_user(self.user_id)
