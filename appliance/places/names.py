"""Common ways of naming a country that differ from GeoNames' name ("usa", "uk", "holland")."""

from __future__ import annotations

COUNTRY_ALIASES = {
    "usa": "US",
    "u.s.a.": "US",
    "u.s.": "US",
    "america": "US",
    "united states of america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "britain": "GB",
    "great britain": "GB",
    "holland": "NL",
    "the netherlands": "NL",
    "czechia": "CZ",
    "russia": "RU",
    "south korea": "KR",
    "korea": "KR",
    "north korea": "KP",
    "vietnam": "VN",
    "iran": "IR",
    "syria": "SY",
    "laos": "LA",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
    "macedonia": "MK",
    "ivory coast": "CI",
    "uae": "AE",
}


def country_code_for(name: str) -> str | None:
    """The ISO code that a common form of a country's name stands for, or None."""
    name = " ".join(name.split()).lower()
    if name in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[name]
    return None
