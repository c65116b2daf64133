"""The database driver's exceptions, for code outside ``catalog/`` that must tell a failure
of the catalogue from a failure of one file (it never imports Peewee itself).

``DatabaseError`` covers every error the database reports; ``OperationalError`` the ones of
the moment (locked, disk full, connection lost) that are not the file's fault;
``CatalogFailure`` anything the database layer raises, its own misuse errors included.
"""

from __future__ import annotations

from peewee import DatabaseError, OperationalError
from peewee import PeeweeException as CatalogFailure

__all__ = ["CatalogFailure", "DatabaseError", "OperationalError"]
