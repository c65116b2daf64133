"""Moments in the UI: "on this day", best of, events, stacks, duplicates review, learning."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, g, jsonify, render_template, request

from appliance.catalog import keeps, stacks
from appliance.catalog.memories import (
    best_between,
    events_between,
    exact_duplicates,
    near_duplicate_stacks,
    on_this_day,
    period,
    period_title,
    this_week,
)
from appliance.catalog.photos import in_stack, photos_by_id, primary_shas
from appliance.catalog.queries import photo_summary
from appliance.web.api import _int, body, fail
from appliance.web.browse import grid

bp = Blueprint("moments", __name__)
MAX_BEST = 100


def _date(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(400, "date must be YYYY-MM-DD")


def _period_args() -> tuple[dt.datetime, dt.datetime, str]:
    """[start, end) and a title from ?year=YYYY[&month=M]."""
    year = _int(request.args.get("year", ""), "year")
    month = request.args.get("month")
    month_n = _int(month, "month") if month else None
    if not 1 <= year <= 9998 or (month_n is not None and not 1 <= month_n <= 12):
        fail(400, "year must be 1-9998 and month 1-12")
    start, end = period(year, month_n)
    return start, end, f"Best of {period_title(year, month_n)}"


def _summaries(ids: list[int]) -> list[dict[str, Any]]:
    photos = photos_by_id(ids)
    return [photo_summary(photos[i]) | {"stack": None} for i in ids if i in photos]


# --- API ----------------------------------------------------------------------------------


@bp.get("/api/v1/memories")
def memories() -> Any:
    return jsonify(memories=on_this_day(_date(request.args.get("date"))))


@bp.get("/api/v1/best")
def best() -> Any:
    start, end, title = _period_args()
    limit = _int(request.args.get("limit", 24), "limit")
    if not 1 <= limit <= MAX_BEST:
        fail(400, f"limit must be 1-{MAX_BEST}")
    return jsonify(title=title, items=_summaries(best_between(start, end, limit)), next_cursor=None)


@bp.get("/api/v1/events")
def events() -> Any:
    start, end, _ = _period_args()
    return jsonify(
        events=[
            {
                "title": e.title,
                "start": e.start.isoformat(),
                "end": e.end.isoformat(),
                "count": len(e.moments),
                "photos": e.photo_ids[:200],
            }
            for e in events_between(start, end)
        ]
    )


def _stack_json(stack_id: int) -> dict[str, Any]:
    stack = stacks.get_stack(stack_id)
    return {
        "id": stack.id,
        "reason": stack.reason,
        "best": stack.best_photo_id,
        "cover": stack.cover_photo_id,
        "photos": [
            photo_summary(p) | {"stack": None, "quality": p.quality}
            for p in stacks.stack_members(stack_id)
        ],
    }


@bp.get("/api/v1/stacks/<int:stack_id>")
def stack(stack_id: int) -> Any:
    return jsonify(_stack_json(stack_id))


@bp.post("/api/v1/stacks/<int:stack_id>/cover")
def stack_cover(stack_id: int) -> Any:
    photo_id = _int(body().get("photo_id"), "photo_id")
    stacks.choose_cover(stack_id, photo_id)
    return jsonify(_stack_json(stack_id))


@bp.delete("/api/v1/stacks/<int:stack_id>/photos/<int:photo_id>")
def unstack(stack_id: int, photo_id: int) -> Any:
    if not in_stack(photo_id, stack_id):
        fail(404, f"no photo {photo_id} in stack {stack_id}")
    stacks.unstack_photo(photo_id)
    return jsonify(unstacked=photo_id)


@bp.delete("/api/v1/stacks/<int:stack_id>")
def dissolve(stack_id: int) -> Any:
    stacks.dissolve(stack_id)
    return jsonify(dissolved=stack_id)


@bp.get("/api/v1/duplicates")
def duplicates() -> Any:
    return jsonify(exact=exact_duplicates(), stacks=near_duplicate_stacks())


@bp.get("/api/v1/moments/learning")
def learning() -> Any:
    return jsonify(
        report=keeps.last_report(), model="learned" if stacks.current_model() else "hand"
    )


@bp.post("/api/v1/moments/learning")
def relearn() -> Any:
    if g.user.role != "admin":
        fail(403, "only an admin can refit the quality model")
    report = keeps.relearn()
    return jsonify(report=report.as_dict(), model="learned" if report.in_use else "hand")


# --- pages --------------------------------------------------------------------------------


def memory_cards(day: dt.date | None = None) -> list[dict[str, Any]]:
    """ "On this day" for the timeline strip, else "this week in earlier years" (a day with
    no memory of its own shows the days around it): title, link and up to three thumbnails.
    A memory opens as the grid of its days (from there: the viewer, the slideshow)."""
    day = day or dt.date.today()
    cards = []
    for memory in on_this_day(day) or this_week(day):
        ids = memory["photos"]
        shas = primary_shas(ids)
        first = memory.get("first") or dt.date(memory["year"], day.month, day.day)
        last = memory.get("last") or first
        days = f"after:{first - dt.timedelta(days=1)} before:{last + dt.timedelta(days=1)}"
        cards.append(
            {
                "title": memory["title"],
                "href": "/search?" + urlencode({"q": days}),
                "thumbs": [shas[i] for i in ids[:3] if shas.get(i)],
            }
        )
    return cards


def _still_there(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only the paths where the file still is: an inbox or upload it was moved out of, or
    a drive that is not plugged in, is no place a family can look."""
    for group in groups:
        group["paths"] = [p for p in group["paths"] if os.path.isfile(p)]
    return groups


@bp.get("/duplicates")
def duplicates_page() -> str:
    return render_template(
        "duplicates.html",
        title="Duplicates",
        exact=_still_there(exact_duplicates()),
        stacks=near_duplicate_stacks(),
        learning=keeps.last_report(),
    )


@bp.get("/stacks/<int:stack_id>")
def stack_page(stack_id: int) -> str:
    try:
        data = _stack_json(stack_id)
    except stacks.StackNotFound:
        abort(404, "no such stack")
    return render_template("stack.html", title="Stack", stack=data)


@bp.get("/best")
def best_page() -> str:
    today = dt.date.today()
    year = request.args.get("year", str(today.year))
    month = request.args.get("month", "")
    if not year.isdigit() or (month and not month.isdigit()):
        abort(400, "year and month must be numbers")
    if not 1 <= int(year) <= 9998 or (month and not 1 <= int(month) <= 12):
        abort(400, "year must be 1-9998 and month 1-12")
    title = "Best of " + period_title(int(year), int(month) if month else None)
    src = f"/api/v1/best?year={year}" + (f"&month={month}" if month else "")
    return grid(title, src=src)
