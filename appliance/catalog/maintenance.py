"""Housekeeping on the catalog: vanished files."""

from __future__ import annotations

from appliance.catalog.lookup import path_prefix
from appliance.catalog.models import Location


def mark_missing(root: str, seen: set[str]) -> int:
    """Mark locations below ``root`` that a full scan did not see as missing (never delete)."""
    prefix = root.rstrip("/") + "/"
    vanished = [
        location.id
        for location in Location.select(Location.id, Location.path).where(
            path_prefix(prefix) & (Location.missing == False)  # noqa: E712
        )
        if location.path not in seen
    ]
    for start in range(0, len(vanished), 500):
        Location.update(missing=True).where(
            Location.id.in_(vanished[start : start + 500])
        ).execute()
    return len(vanished)
