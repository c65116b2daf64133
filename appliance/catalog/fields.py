"""Text columns that hold file names and paths exactly, even when they are not UTF-8.

Linux file names are bytes. Python hands a name that is not valid UTF-8 over as a string
with lone surrogates (``surrogateescape``: byte 0xFF becomes U+DCFF), which SQLite cannot
store. :class:`ByteSafeText` maps those 128 surrogates to the private-use code points
U+EF80-U+EFFF on the way in and back on the way out (the same mapping as MirBSD's
OPTU-8), so the catalog holds valid UTF-8 and Python gets the original bytes back.
Comparisons in queries go through the same mapping.
"""

from __future__ import annotations

import re
from typing import Any

import peewee as pw

_SURROGATES = re.compile("[\udc80-\udcff]")
_MAPPED = re.compile("[\uef80-\uefff]")
_SHIFT = 0xEF80 - 0xDC80


def to_catalog(text: str) -> str:
    """A path or message as the catalog stores it (valid UTF-8)."""
    return _SURROGATES.sub(lambda m: chr(ord(m.group()) + _SHIFT), text)


def from_catalog(text: str) -> str:
    """The inverse of :func:`to_catalog` (bytes that were not UTF-8 come back)."""
    return _MAPPED.sub(lambda m: chr(ord(m.group()) - _SHIFT), text)


def shown(text: Any) -> str:
    """For terminals, logs and the status page: undecodable bytes as ``\\xff``."""
    return str(text).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def json_safe(text: str) -> str:
    """JSON text (``ensure_ascii=False``) with lone surrogates written as ``\\udcff``
    escapes, so the output is valid UTF-8 and a JSON reader gets the exact name back."""
    return _SURROGATES.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class _ByteSafe:
    def db_value(self, value: Any) -> Any:
        value = super().db_value(value)  # type: ignore[misc]
        return to_catalog(value) if isinstance(value, str) else value

    def python_value(self, value: Any) -> Any:
        value = super().python_value(value)  # type: ignore[misc]
        return from_catalog(value) if isinstance(value, str) else value


class ByteSafeChar(_ByteSafe, pw.CharField):
    """A CharField for paths and file names (see the module docstring)."""


class ByteSafeText(_ByteSafe, pw.TextField):
    """A TextField for messages that may quote a file name."""
