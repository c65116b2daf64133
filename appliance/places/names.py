"""Common ways of naming a country that differ from GeoNames' name ("usa", "uk", "holland")."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

COUNTRIES_FILE = Path(__file__).with_name("data") / "countries.tsv"

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


@cache
def _countries() -> dict[str, str]:
    with open(COUNTRIES_FILE, encoding="utf-8") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        return {code: name for code, name in rows}


def country_name(code: str) -> str | None:
    """GeoNames' name of the country with ISO code ``code`` ("it" -> "Italy"), or None
    (without loading the geocoder)."""
    return _countries().get(code.upper()) if len(code) == 2 else None
