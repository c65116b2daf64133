"""The search results page (the query language is in appliance.search.query): how many
photos matched, and what to try when nothing did."""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.exceptions import NotFound

from appliance.catalog.albums import get_album
from appliance.catalog.people import get_person
from appliance.catalog.queries import count_photos
from appliance.catalog.suggest import Suggestion, suggest
from appliance.places.names import country_name
from appliance.search.describe import in_words
from appliance.search.query import Query, QueryError, parse_query
from appliance.search.synonyms import labels_for
from appliance.web.browse import grid

bp = Blueprint("search", __name__)
GENERAL_TIPS = (  # what to type, in the words a family types
    ("2019", "a year"),
    ("july 2019", "a month"),
    ("dog OR cat", "either of two things"),
    ("favourites", "your favourites"),
    ("videos", "videos only"),
)


def _words(query: Query) -> list[str]:
    out: list[str] = []
    for term in query.terms:
        for t in term.value if term.kind == "or" else (term,):
            if isinstance(t.value, str) and t.kind in ("word", "label", "person", "place", "album"):
                out.append(t.value)
    return out


def tips_for(query: Query) -> list[Suggestion]:
    """What the family could search instead: names, labels, places... that start like the
    words that found nothing."""
    seen: set[str] = set()
    tips: list[Suggestion] = []
    for word in _words(query)[:4]:
        for prefix in {word, word[:3]} if len(word) > 3 else {word}:
            for s in suggest(prefix, limit=4):
                if s.query not in seen:
                    seen.add(s.query)
                    tips.append(s)
    return tips[:8]


def _name_of(kind: str, item_id: int) -> str | None:
    """The name of a person or album addressed by id (person:#12) in a title."""
    try:
        return get_person(item_id).name if kind == "person" else get_album(item_id).title
    except NotFound:
        return None


@bp.get("/search")
def results() -> tuple[str, int] | str:
    q = request.args.get("q", "").strip()
    try:
        query = parse_query(q)
    except QueryError as exc:
        return grid("Search", q=q, query_error=str(exc)), 400
    if query.empty:
        return grid("Search", q=q)
    count = count_photos(query, labels_for)
    return grid(
        in_words(query, _name_of, country_name),
        q=q,
        result_count=count,
        tips=tips_for(query) if count == 0 else [],
        general_tips=GENERAL_TIPS if count == 0 else (),
    )
