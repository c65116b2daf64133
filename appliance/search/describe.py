"""A parsed query said back in words, for titles and "searched for" lines: a family reads
"Videos in Italy, 2019", not ``type:video place:IT year:2019`` (a pure module: the names of
people and albums addressed by id come from the caller)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable

from appliance.search.query import Query, Term

# (kind, id) -> its name (a person or album addressed as person:#12), or None
NameOf = Callable[[str, int], str | None]

TYPE_WORDS = {
    "video": "videos",
    "live": "Live Photos",
    "raw": "RAW photos",
    "heic": "HEIC photos",
    "image": "photos",
    "screenshot": "screenshots",
    "document": "documents",
}


def _date(day: dt.date) -> str:
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def _term(term: Term, name_of: NameOf, country_name: Callable[[str], str | None]) -> str:
    kind, value = term.kind, term.value
    if kind == "or" and value[0].kind in ("holiday", "season", "type"):
        # a time of year (christmas: its days, or the word): said once, "at Christmas"
        return _term(Term(value[0].kind, value[0].value, term.negated), name_of, country_name)
    if kind == "or":
        return " or ".join(_term(t, name_of, country_name) for t in value)
    if kind in ("person", "album") and isinstance(value, int):
        value = name_of(kind, value) or f"{kind} {value}"
    words = {
        "word": lambda: f"“{value}”",
        "label": lambda: str(value),
        "person": lambda: f"with {value}",
        "album": lambda: f"in the album “{value}”",
        "camera": lambda: f"taken with {value}",
        "lens": lambda: f"through {value}",
        "year": lambda: f"in {value}",
        "month": lambda: f"in {calendar.month_name[value]}",
        "before": lambda: f"before {_date(value)}",
        "after": lambda: f"from {_date(value)}",  # the first day it includes
        "favorite": lambda: "favourites" if value else "not favourites",
        "type": lambda: TYPE_WORDS.get(value, str(value)),
        "near": lambda: f"within {value.km:g} km of {value.lat:.4f}, {value.lon:.4f}",
        "place": lambda: f"in {country_name(value) or value}",
        "text": lambda: f"saying “{value}”",
        "holiday": lambda: f"at {value.capitalize()}",
        "season": lambda: f"in {value}",
    }
    text = words.get(kind, lambda: str(value))()
    return f"not {text}" if term.negated else text


def in_words(
    query: Query,
    name_of: NameOf = lambda _kind, _id: None,
    country_name: Callable[[str], str | None] = lambda _code: None,
) -> str:
    """The query as a family would say it ("Videos, in Italy, in 2019"), capitalised."""
    parts: list[str] = []
    terms = query.terms
    i = 0
    while i < len(terms):
        joined = _joined(terms[i], terms[i + 1]) if i + 1 < len(terms) else None
        if joined is not None:
            parts.append(joined)
            i += 2
            continue
        parts.append(_term(terms[i], name_of, country_name))
        i += 1
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def _joined(first: Term, second: Term) -> str | None:
    """Two terms a family says as one: a month and its year ("in July 2019"), the two ends
    of one day ("on 4 July 2019")."""
    if first.negated or second.negated:
        return None
    pair = {first.kind: first.value, second.kind: second.value}
    if set(pair) == {"month", "year"}:
        return f"in {calendar.month_name[pair['month']]} {pair['year']}"
    if set(pair) == {"after", "before"} and pair["before"] - pair["after"] == dt.timedelta(1):
        return f"on {_date(pair['after'])}"
    return None
