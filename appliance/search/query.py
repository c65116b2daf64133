"""The search box's query language, parsed into a :class:`Query` (a pure library module).

Grammar: whitespace-separated terms. A term is a plain word, a ``"quoted phrase"`` or a
``filter:value`` (the value may be quoted too). A leading ``-`` excludes the term.

Filters: ``label:`` ``person:`` ``album:`` ``camera:`` ``lens:`` ``year:`` ``month:``
``before:`` ``after:`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; ``before:`` is strictly
before the start of that period, ``after:`` strictly after its end), ``favorite:yes|no``,
``type:raw|heic|video|image|live|screenshot|document``, ``text:`` (words in the
picture, recognised by `appliance.text`; every word of the value, whole or a part of at
least four letters), ``near:LAT,LON[,KM]`` (default radius 5 km) and ``place:``
(a city, region, country or ISO country code, e.g. ``place:Paris``, ``place:uk``).
``person:#12`` and ``album:#3`` address a person or album by id.

Plain words for holidays and seasons find their dates (``christmas``: 24-26 December of
any year; ``summer``: June-August, or December-February for a place south of the
equator), or anything named so (an album "Christmas 2019").

A plain word also finds the text in pictures (``wifi``, ``garage``); ``screenshots``,
``documents`` and ``receipts`` are ``type:screenshot``/``type:document`` or the word.

Plain words for kinds of media need no filter either: ``video``/``videos``/``movies``/
``clips`` are ``type:video``, ``live photo(s)`` is ``type:live``; ``favourites`` (or
``favorites``) is ``favorite:yes``.

Plain dates need no filter: a bare year (``2019``), a month and year (``july 2019``,
``2019-07``) or a day (``2019-07-04``) become ``year:``/``month:`` or ``after:``/``before:``
terms. ``A OR B`` (upper-case OR) matches either side: it becomes one term of kind ``or``
whose value is the tuple of its alternatives (each a :class:`Term`).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from appliance.errors import BadRequest

FILTERS = (
    "label",
    "person",
    "album",
    "camera",
    "lens",
    "year",
    "month",
    "before",
    "after",
    "favorite",
    "type",
    "near",
    "place",
    "text",
)
ALIASES = {"favourite": "favorite", "fav": "favorite", "labels": "label", "people": "person"}
TYPES = ("raw", "heic", "video", "image", "live", "screenshot", "document")
# Plain words for kinds of media (a family types "videos", not type:video).
MEDIA_WORDS = {
    "video": "video",
    "videos": "video",
    "movie": "video",
    "movies": "video",
    "clip": "video",
    "clips": "video",
}
LIVE_WORDS = ("live", "photo", "photos")  # "live photo(s)"
FAVOURITE_WORDS = ("favourites", "favorites")  # the plain word for favorite:yes
# Plain words for screenshots and documents: the kind, or the word in a photo's text
SCREEN_WORDS = {
    "screenshot": "screenshot",
    "screenshots": "screenshot",
    "document": "document",
    "documents": "document",
    "receipt": "document",
    "receipts": "document",
}
# Plain words for times of year: a holiday (its days, every year) or a season (its months,
# by the hemisphere of the photo's place). Each also stays a word (an album "Christmas
# 2019" or a person called Summer still match): word OR time.
HOLIDAY_WORDS = {
    "christmas": "christmas",
    "xmas": "christmas",
    "halloween": "halloween",
    "valentine": "valentine",
    "valentines": "valentine",
    "valentine's": "valentine",
}
SEASON_WORDS = {
    "spring": "spring",
    "summer": "summer",
    "autumn": "autumn",
    "fall": "autumn",
    "winter": "winter",
}
OR_WORD = "OR"
MIN_YEAR, MAX_YEAR = 1800, 2200
DEFAULT_RADIUS_KM = 5.0
MAX_QUERY_LENGTH = 500
MAX_TERMS = 20
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_name) if name})
_YES = ("yes", "true", "1", "on")
_NO = ("no", "false", "0", "off")


class QueryError(BadRequest):
    """The query cannot be understood; the message says why, for the user."""


@dataclass(frozen=True)
class Near:
    lat: float
    lon: float
    km: float


@dataclass(frozen=True)
class Term:
    """One term: ``kind`` is ``word`` or a filter name; ``value`` is typed per kind."""

    kind: str
    value: Any
    negated: bool = False
    text: str = ""


@dataclass
class Query:
    terms: list[Term] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.terms

    def __str__(self) -> str:
        return " ".join(t.text for t in self.terms)


def _tokens(text: str) -> list[tuple[bool, str | None, str]]:
    """Split into (negated, key, value) tuples, honouring double quotes."""
    out: list[tuple[bool, str | None, str]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = False
        if text[i] == "-" and i + 1 < n and not text[i + 1].isspace():
            negated, i = True, i + 1
        key = None
        start = i
        while i < n and not text[i].isspace() and text[i] not in ':"':
            i += 1
        if i < n and text[i] == ":" and i > start and text[start:i].isalpha():
            key, i = text[start:i].lower(), i + 1
            start = i
        else:
            i = start
        if i < n and text[i] == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QueryError('a quote is not closed: add the missing "')
            value, i = text[i + 1 : end], end + 1
        else:
            while i < n and not text[i].isspace():
                if text[i] == '"':
                    raise QueryError('put quotes around the whole phrase: "like this"')
                i += 1
            value = text[start:i]
        out.append((negated, key, value))
    return out


MAX_ID = 2**63 - 1  # the largest id the catalog can hold


def _period(kind: str, value: str) -> tuple[dt.date, dt.date]:
    """Return [start, end) of a YYYY, YYYY-MM or YYYY-MM-DD period."""
    parts = value.split("-")
    try:
        if len(parts) == 1 and len(parts[0]) == 4:
            year = int(parts[0])
            return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
        if len(parts) == 2:
            year, month = int(parts[0]), int(parts[1])
            start = dt.date(year, month, 1)
            return start, (start + dt.timedelta(days=32)).replace(day=1)
        if len(parts) == 3:
            day = dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
            return day, day + dt.timedelta(days=1)
    except (ValueError, OverflowError):  # 9999-12-31 has no next day
        pass
    raise QueryError(f"{kind}: needs a date like 2021, 2021-06 or 2021-06-30, not {value!r}")


def _typed(kind: str, value: str) -> Any:
    """Check and convert a filter value."""
    if not value:
        raise QueryError(f"{kind}: needs a value, for example {kind}:{_EXAMPLES[kind]}")
    if kind == "year":
        if not (value.isascii() and value.isdigit()) or not MIN_YEAR <= int(value) <= MAX_YEAR:
            raise QueryError(f"year: needs a year like 2021, not {value!r}")
        return int(value)
    if kind == "month":
        month = int(value) if value.isascii() and value.isdigit() else _MONTHS.get(value.lower(), 0)
        if not 1 <= month <= 12:
            raise QueryError(f"month: needs 1-12 or a month name, not {value!r}")
        return month
    if kind in ("before", "after"):
        start, end = _period(kind, value)
        return start if kind == "before" else end
    if kind == "favorite":
        if value.lower() in _YES:
            return True
        if value.lower() in _NO:
            return False
        raise QueryError(f"favorite: needs yes or no, not {value!r}")
    if kind == "type":
        if value.lower() not in TYPES:
            raise QueryError(f"type: needs one of {', '.join(TYPES)}, not {value!r}")
        return value.lower()
    if kind == "near":
        return _near(value)
    if kind in ("person", "album") and value.startswith("#"):
        if not value[1:].isascii() or not value[1:].isdigit():
            raise QueryError(f"{kind}:#ID needs a number after #, not {value!r}")
        if int(value[1:]) > MAX_ID:
            raise QueryError(f"{kind}:#ID: no {kind} has an id as large as {value[1:]}")
        return int(value[1:])
    return value


def _near(value: str) -> Near:
    parts = value.split(",")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        lat, lon = float(parts[0]), float(parts[1])
        km = float(parts[2]) if len(parts) == 3 else DEFAULT_RADIUS_KM
    except ValueError:
        raise QueryError(f"near: needs LAT,LON or LAT,LON,KM, not {value!r}") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise QueryError(f"near: latitude must be within ±90 and longitude ±180 ({value!r})")
    if not 0 < km <= 20000:
        raise QueryError(f"near: the radius must be between 0 and 20000 km ({value!r})")
    return Near(lat, lon, km)


_EXAMPLES = {
    "label": "cat",
    "person": "Anna",
    "album": "Holiday",
    "camera": "canon",
    "lens": "50mm",
    "year": "2021",
    "month": "june",
    "before": "2020-01-01",
    "after": "2019",
    "favorite": "yes",
    "type": "raw",
    "near": "48.85,2.35,10",
    "place": "Paris",
    "text": "wifi",
}


def _quote(value: str) -> str:
    return f'"{value}"' if (not value or any(c.isspace() or c == ":" for c in value)) else value


def _bare_year(word: str) -> int | None:
    if len(word) == 4 and word.isascii() and word.isdigit() and MIN_YEAR <= int(word) <= MAX_YEAR:
        return int(word)
    return None


def _bare_date(words: list[str], i: int) -> tuple[list[Term], int] | None:
    """Terms for a plain date starting at ``words[i]`` and how many words it took, or None.

    ``2019`` -> year; ``july 2019`` / ``2019-07`` -> month + year; ``2019-07-04`` -> that day.
    """
    word = words[i]
    month = _MONTHS.get(word.lower())
    if month and i + 1 < len(words) and (year := _bare_year(words[i + 1])) is not None:
        return [
            Term("month", month, text=f"month:{month}"),
            Term("year", year, text=f"year:{year}"),
        ], 2
    if (year := _bare_year(word)) is not None:
        return [Term("year", year, text=f"year:{year}")], 1
    parts = word.split("-")
    if (
        len(parts) in (2, 3)
        and _bare_year(parts[0]) is not None
        and all(p.isascii() and p.isdigit() and len(p) == 2 for p in parts[1:])
    ):
        try:
            start, end = _period("date", word)
        except QueryError:
            return None
        if len(parts) == 2:
            year = start.year
            return [
                Term("month", start.month, text=f"month:{start.month}"),
                Term("year", year, text=f"year:{year}"),
            ], 1
        return [
            Term("after", start, text=f"after:{start - dt.timedelta(days=1)}"),
            Term("before", end, text=f"before:{end}"),
        ], 1
    return None


def _media_words(words: list[str], i: int) -> tuple[str, int] | None:
    """A kind of media named in plain words at ``words[i]``: ("video", 1) for "videos",
    ("live", 2) for "live photos"; None otherwise."""
    word = words[i].lower()
    if word in MEDIA_WORDS:
        return MEDIA_WORDS[word], 1
    if word == "live" and i + 1 < len(words) and words[i + 1].lower() in LIVE_WORDS[1:]:
        return "live", 2
    return None


def _time_of_year(word: str, negated: bool, sign: str) -> Term:
    """ "christmas" -> the word, or photos of 24-26 December; "summer" -> the word, or
    photos of the summer months where they were taken."""
    lower = word.lower()
    kind, value = (
        ("holiday", HOLIDAY_WORDS[lower])
        if lower in HOLIDAY_WORDS
        else ("season", SEASON_WORDS[lower])
    )
    either = (Term(kind, value, text=f"{kind}:{value}"), Term("word", word, text=_quote(word)))
    return Term("or", either, negated, f"{sign}{word}")


def _plain_terms(tokens: list[tuple[bool, str | None, str]]) -> list[Term | str]:
    """Terms in order, with the bare word OR kept as a marker string."""
    out: list[Term | str] = []
    words = [v if k is None else "" for _, k, v in tokens]
    i = 0
    while i < len(tokens):
        negated, key, value = tokens[i]
        sign = "-" if negated else ""
        if key is None and not negated and value == OR_WORD:
            out.append(OR_WORD)
            i += 1
            continue
        if key is None and value.lower() in FAVOURITE_WORDS:
            out.append(Term("favorite", True, negated, f"{sign}favorite:yes"))
            i += 1
            continue
        if key is None and value.lower() in HOLIDAY_WORDS | SEASON_WORDS:
            out.append(_time_of_year(value, negated, sign))
            i += 1
            continue
        if key is None and value.lower() in SCREEN_WORDS:
            kind_of_picture = SCREEN_WORDS[value.lower()]
            either = (
                Term("type", kind_of_picture, text=f"type:{kind_of_picture}"),
                Term("word", value, text=_quote(value)),
            )
            out.append(Term("or", either, negated, f"{sign}{value}"))
            i += 1
            continue
        if key is None:
            media = _media_words(words, i)
            if media is not None:
                kind_of_media, used = media
                text = f"{sign}type:{kind_of_media}"
                out.append(Term("type", kind_of_media, negated, text))
                i += used
                continue
            date = None if negated else _bare_date(words, i)
            if date is not None:
                terms, used = date
                out += terms
                i += used
                continue
            value = " ".join(value.split())
            i += 1
            if value:
                out.append(Term("word", value, negated, sign + _quote(value)))
            continue
        kind = ALIASES.get(key, key)
        if kind not in FILTERS:
            raise QueryError(f"unknown filter {key}: (known: {', '.join(FILTERS)})")
        value = value.strip()
        out.append(Term(kind, _typed(kind, value), negated, f"{sign}{kind}:{_quote(value)}"))
        i += 1
    return out


def _join_or(items: list[Term | str]) -> list[Term]:
    """Fold ``A OR B OR C`` into one ``or`` term (a date of two terms joins as a whole)."""
    groups: list[list[Term]] = []
    joined_next = False
    for item in items:
        if item == OR_WORD:
            if not groups or joined_next:
                raise QueryError("OR needs something on both sides, like label:car OR label:dog")
            joined_next = True
            continue
        assert isinstance(item, Term)
        if joined_next:
            groups[-1].append(item)
            joined_next = False
        else:
            groups.append([item])
    if joined_next:
        raise QueryError("OR needs something on both sides, like label:car OR label:dog")
    terms: list[Term] = []
    for group in groups:
        if len(group) == 1:
            terms.append(group[0])
        else:
            text = f" {OR_WORD} ".join(t.text for t in group)
            terms.append(Term("or", tuple(group), False, text))
    return terms


def parse_query(text: str) -> Query:
    """Parse the search box's text; raise :class:`QueryError` with a readable reason."""
    if not isinstance(text, str):
        raise QueryError("the query must be text")
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"the query is too long (more than {MAX_QUERY_LENGTH} characters)")
    items = _plain_terms(_tokens(text))
    if sum(1 for item in items if item != OR_WORD) > MAX_TERMS:
        raise QueryError(f"too many terms (at most {MAX_TERMS})")
    return Query(_join_or(items))
