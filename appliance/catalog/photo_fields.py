"""The photo fields the export (``shoebox export``) and the API's photo detail share,
defined once: both show these columns as stored, under these names.

Each adds its own: the export the capture time with its offset in one ISO string, files
with their paths, faces with scores; the API the time and its offset apart, the viewer's
files and faces (see ``catalog.export`` and ``catalog.queries.photo_detail``).
"""

from __future__ import annotations

from typing import Any

from appliance.catalog.models import Photo
from appliance.catalog.places import place_dict

SHARED_FIELDS = (
    "kind",
    "taken_at_source",
    "camera_make",
    "camera_model",
    "lens",
    "exposure_time",
    "f_number",
    "iso",
    "focal_length",
    "latitude",
    "longitude",
    "altitude",
    "orientation",
    "width",
    "height",
    "duration",
    "motion",
    "title",
    "description",
    "rating",
    "place_source",
)


def shared_fields(photo: Photo) -> dict[str, Any]:
    """The shared columns of ``photo``, plus ``place`` (names) and ``trashed_at`` (ISO)."""
    fields = {name: getattr(photo, name) for name in SHARED_FIELDS}
    fields["place"] = place_dict(photo)
    fields["trashed_at"] = photo.trashed_at.isoformat() if photo.trashed_at else None
    return fields
