"""Typed errors that carry their HTTP status.

Catalog, search and library functions raise these (or their own subclasses, such as
``catalog.people.PeopleError``); the web app turns every one into a response in ONE Flask
error handler (``appliance.web._typed_error``), and the CLI prints the message. No caller
chooses a status by reading an error's text.
"""

from __future__ import annotations

import errno


class ShoeboxError(Exception):
    """An error a user can act on; ``status`` is the HTTP status that reports it."""

    status: int = 500


class BadRequest(ShoeboxError, ValueError):
    """The request itself is wrong (a bad value, a refused change): 400."""

    status = 400


class Forbidden(ShoeboxError):
    """The signed-in user may not do this: 403."""

    status = 403


class NotFound(ShoeboxError):
    """The thing asked for does not exist (or is not visible): 404."""

    status = 404


class Conflict(ShoeboxError):
    """The request clashes with the current state: 409."""

    status = 409


DISK_FULL = "the library disk is full"
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


class DiskFull(ShoeboxError):
    """The library's disk has no room left: 507 Insufficient Storage."""

    status = 507

    def __init__(self, message: str = DISK_FULL) -> None:
        super().__init__(message)


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk is full: an OSError (ENOSPC, EDQUOT) or a database
    error ("database or disk is full", PostgreSQL's "No space left on device")."""
    if isinstance(exc, OSError):
        return exc.errno in DISK_FULL_ERRNOS
    text = str(exc).lower()
    return "disk is full" in text or "no space left" in text
