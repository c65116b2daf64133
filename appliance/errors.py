"""Typed errors that carry their HTTP status.

Catalog, search and library functions raise these (or their own subclasses, such as
``catalog.people.PeopleError``); the web app turns every one into a response in ONE Flask
error handler (``appliance.web._typed_error``), and the CLI prints the message. No caller
chooses a status by reading an error's text.
"""

from __future__ import annotations


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
