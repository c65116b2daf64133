"""The search results page (the query language is in appliance.search.query)."""

from __future__ import annotations

from flask import Blueprint, request

from appliance.search.query import QueryError, parse_query
from appliance.web.browse import grid

bp = Blueprint("search", __name__)


@bp.get("/search")
def results() -> tuple[str, int] | str:
    q = request.args.get("q", "").strip()
    try:
        parse_query(q)
    except QueryError as exc:
        return grid("Search", q=q, query_error=str(exc)), 400
    return grid(f"“{q}”" if q else "Search", q=q)
