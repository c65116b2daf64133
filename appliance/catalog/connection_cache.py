"""A value read from the catalogue, kept per connection until the catalogue changes.

`catalog.dialect.data_version` says when to read again (SQLite: exactly; PostgreSQL: after
any write). The connection object is kept with its entry, so a closed connection's id that
Python reuses for a new one never serves the old entry.
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
        self._entries: dict[int, tuple[Any, tuple, T]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        db = Photo._meta.database
        conn = db.connection()
        version = (data_version(db), key)
        with self._lock:
            hit = self._entries.get(id(conn))
        if hit is None or hit[0] is not conn or hit[1] != version:
            hit = (conn, version, read())
            with self._lock:
                self._entries[id(conn)] = hit
        return hit[2]
