"""The composition root: what the function is made of, built once per container and handed down.

`Services` holds the settings (read once, by `from_environment`), the AWS clients and the models
(made on first use, so that a SnapStart snapshot holds none: handler.snap_start drops them before
it); the entry points (handler.app, which hands its own to the worker, and handler.backfill) build
it at init, and nothing below reads the environment or keeps a client of its own (the database
connection, handler.dal.connection, is the store's to take over). `Caller` is one request's or job's view of it: who is
asking, and what acts for them; the use cases in handler.logic take it first.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from handler.aws import Clients
from handler.dal.store import BoundStore, Store, container_store
from handler.inference.provider import Models
from handler.settings import Settings, load_settings


@dataclass(frozen=True)
class Services:
    settings: Settings

    @property
    def store(self) -> Store:
        """The container's one store (its one connection), acting for whom a use case binds it to."""
        return container_store

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

    @property
    def store(self) -> BoundStore:
        """The store acting for this caller: every statement as them, under row-level security."""
        return self.services.store.for_user(self.user_id)
