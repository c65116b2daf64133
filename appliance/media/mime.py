"""The MIME families, defined once: what the decoder, the metadata reader and the search's
``type:heic`` call HEIF (HEIC, HEIF, AVIF, their sequences)."""

from __future__ import annotations

AVIF_MIMES = frozenset({"image/avif", "image/avif-sequence"})
HEIF_MIMES = frozenset(
    {
        "image/heic",
        "image/heif",
        "image/heic-sequence",
        "image/heif-sequence",
    }
    | AVIF_MIMES
)


def is_heif(mime: str | None) -> bool:
    """Is ``mime`` a picture in the HEIF container (HEIC, HEIF, AVIF, or a sequence)?"""
    return mime in HEIF_MIMES
