"""Camera make and model normalisation for display ("NIKON CORPORATION" -> "Nikon")."""

from __future__ import annotations

import re

# lower-case prefix of the raw make -> display name (first match wins)
_MAKES: tuple[tuple[str, str], ...] = (
    ("nikon", "Nikon"),
    ("canon", "Canon"),
    ("olympus", "Olympus"),
    ("om digital", "OM System"),
    ("sony", "Sony"),
    ("panasonic", "Panasonic"),
    ("fujifilm", "Fujifilm"),
    ("fuji photo", "Fujifilm"),
    ("eastman kodak", "Kodak"),
    ("kodak", "Kodak"),
    ("konica minolta", "Konica Minolta"),
    ("minolta", "Minolta"),
    ("pentax", "Pentax"),
    ("asahi", "Pentax"),
    ("ricoh imaging", "Ricoh"),
    ("ricoh", "Ricoh"),
    ("samsung", "Samsung"),
    ("sigma", "Sigma"),
    ("apple", "Apple"),
    ("huawei", "Huawei"),
    ("xiaomi", "Xiaomi"),
    ("lg electronics", "LG"),
    ("lge", "LG"),
    ("motorola", "Motorola"),
    ("casio", "Casio"),
    ("sanyo", "Sanyo"),
    ("hewlett-packard", "HP"),
    ("leica", "Leica"),
    ("hasselblad", "Hasselblad"),
    ("hmd global", "HMD Global"),
    ("google", "Google"),
    ("oneplus", "OnePlus"),
    ("seiko epson", "Epson"),
    ("phase one", "Phase One"),
    ("general imaging", "GE"),
    ("jvc", "JVC"),
    ("gopro", "GoPro"),
    ("dji", "DJI"),
)
_SUFFIX = re.compile(
    r"[\s,.]*\b(corporation|corp|co|ltd|limited|inc|company|gmbh|ag|s\.?a|"
    r"imaging|optical|electronics|electric|camera|digital imaging)\b\.?",
    re.I,
)


def normalize_make(make: str | None) -> str | None:
    """Display name of a camera maker; unknown makers lose corporate suffixes and shouting."""
    if not make or not make.strip():
        return None
    raw = " ".join(make.split())
    low = raw.lower()
    for prefix, name in _MAKES:
        if low.startswith(prefix):
            return name
    short = _SUFFIX.sub("", raw).strip(" ,.") or raw
    return short.title() if short.isupper() and len(short) > 3 else short


def normalize_model(model: str | None, make: str | None) -> str | None:
    """The model without a repeated maker name ("NIKON D70" -> "D70")."""
    if not model or not model.strip():
        return None
    model = " ".join(model.split())
    candidates = {w.lower() for w in (normalize_make(make) or "", (make or "").split(" ")[0]) if w}
    for word in sorted(candidates, key=len, reverse=True):
        if model.lower().startswith(word + " ") and len(model) > len(word) + 1:
            return model[len(word) + 1 :].strip()
    return model
