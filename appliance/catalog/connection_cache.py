"""A value read from the catalogue, kept per connection until the catalogue changes.

`catalog.dialect.data_version` says when to read again (SQLite: exactly; PostgreSQL: after
any write). Peewee gives each thread its own connection, so the entry is kept in the
thread's own storage: it goes with the thread, and with it the last reference to the
thread's connection (a process serving each request on a new thread, as the tests' server
does, would otherwise keep every connection it ever opened). The connection object is kept
with its entry, so a reconnection of the same thread never serves the old entry.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from appliance.catalog.dialect import data_version
from appliance.catalog.models import Photo

T = TypeVar("T")


class ConnectionCache(Generic[T]):
    """One entry per connection: ``get(key, read)`` answers from it while the catalogue
    and ``key`` are unchanged, else calls ``read()`` and keeps its answer."""

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        db = Photo._meta.database
        conn = db.connection()
        version = (data_version(db), key)
        hit: tuple[Any, tuple, T] | None = getattr(self._local, "hit", None)
        if hit is None or hit[0] is not conn or hit[1] != version:
            hit = (conn, version, read())
            self._local.hit = hit
        return hit[2]
