"""Capture dates from file names such as IMG_20190704_101500.jpg or 2019-07-04 10.15.00.png."""

from __future__ import annotations

import re
from datetime import datetime

_PATTERN = re.compile(
    r"(?<!\d)((?:19|20)\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])"
    r"(?:[-_. T]?([01]\d|2[0-3])[-_.:h]?([0-5]\d)[-_.:m]?([0-5]\d))?(?!\d)"
)


def date_from_filename(name: str) -> datetime | None:
    """The date (and time when given) encoded in a file name, or None."""
    for match in _PATTERN.finditer(name):
        parts = [int(p) if p else 0 for p in match.groups()]
        try:
            return datetime(*parts)
        except ValueError:
            continue
    return None
