"""Words for a photo where a screen reader needs them: the viewer's alt text and the grid
tiles' names, from its date, place, people and labels."""

from __future__ import annotations

import datetime as dt
from typing import Any

KINDS = {"video": "Video", "raw": "Photo (RAW)"}
LABELS_SAID = 3


def day_text(stamp: str | None) -> str:
    """``12 June 2023`` from an ISO date/time, or "" when there is none."""
    try:
        when = dt.datetime.fromisoformat(stamp[:19]) if stamp else None
        return f"{when.day} {when:%B %Y}" if when else ""
    except ValueError:
        return ""


def photo_alt(p: dict[str, Any]) -> str:
    """``Photo, 12 June 2023, in Paris, France, with Anna: cat, sofa``."""
    words = [KINDS.get(p.get("kind") or "", "Photo")]
    day = day_text(p.get("taken_at") or p.get("time"))
    if day:
        words.append(day)
    place = p.get("place") or {}
    where = ", ".join(x for x in (place.get("city"), place.get("country")) if x)
    if where:
        words.append(f"in {where}")
    people = sorted({f["person"] for f in p.get("faces") or [] if f.get("person")})
    if people:
        words.append("with " + " and ".join(people))
    text = ", ".join(words)
    labels = [label["name"] for label in (p.get("labels") or [])[:LABELS_SAID]]
    return f"{text}: {', '.join(labels)}" if labels else text
