"""The composition root: what the function is made of, built once per container and handed down.

`Services` holds the settings, the store and the clients; the entry points (handler.app, the
worker, the backfill, the migrations) build it at init, SnapStart-aware, and nothing below reads
the environment or keeps a client of its own. `Caller` is one request's or job's view of it: who is
asking, and what acts for them; the use cases in handler.logic take it first.
"""

from __future__ import annotations

from dataclasses import dataclass

from handler.dal.store import BoundStore, Store, container_store
from handler.settings import Settings, get_settings


@dataclass(frozen=True)
class Services:
    @property
    def settings(self) -> Settings:
        return get_settings()

    @property
    def store(self) -> Store:
        """The container's one store (its one connection), acting for whom a use case binds it to."""
        return container_store

    @classmethod
    def from_environment(cls) -> Services:
        return cls()

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
