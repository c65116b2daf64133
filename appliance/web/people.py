"""The people pages: faces grouped into persons, named by the family."""

from __future__ import annotations

from flask import Blueprint, render_template

from appliance.catalog.face_review import faces_of_nobody
from appliance.catalog.people import get_person, list_people
from appliance.web.browse import grid

bp = Blueprint("people", __name__)


@bp.get("/people")
def index() -> str:
    return render_template(
        "people.html",
        title="People",
        people=[p.as_json() for p in list_people()],
        unknown_count=faces_of_nobody(limit=1)[1],
    )


@bp.get("/people/<int:person_id>")
def person(person_id: int) -> str:
    found = get_person(person_id)  # PersonNotFound: the 404 page
    others = [p.as_json() for p in list_people() if p.id != person_id]
    return grid(
        found.name or "Unnamed person",
        q=f"person:#{person_id}",
        hide_query=True,
        person=found,
        others=others,
    )
