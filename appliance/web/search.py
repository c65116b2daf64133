"""The search results page (the query language is in appliance.search.query): how many
photos matched, and what to try when nothing did."""

from __future__ import annotations

from flask import Blueprint, request

from appliance.catalog.queries import count_photos
from appliance.catalog.suggest import Suggestion, suggest
from appliance.search.query import Query, QueryError, parse_query
from appliance.search.synonyms import labels_for
from appliance.web.browse import grid

bp = Blueprint("search", __name__)
GENERAL_TIPS = (
    ("2019", "a year"),
    ("july 2019", "a month"),
    ("label:dog OR label:cat", "either of two things"),
    ("favorite:yes", "your favourites"),
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
        f"“{q}”",
        q=q,
        result_count=count,
        understood=str(query),
        tips=tips_for(query) if count == 0 else [],
        general_tips=GENERAL_TIPS if count == 0 else (),
    )
