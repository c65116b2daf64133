"""The people pages: faces grouped into persons, named by the family."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from appliance.catalog.models import Person
from appliance.catalog.queries import list_people
from appliance.web.browse import grid

bp = Blueprint("people", __name__)


@bp.get("/people")
def index() -> str:
    from appliance.catalog.face_review import faces_of_nobody

    return render_template(
        "people.html",
        title="People",
        people=list_people(),
        unknown_count=faces_of_nobody(limit=1)[1],
    )


@bp.get("/people/<int:person_id>")
def person(person_id: int) -> str:
    found = Person.get_or_none(Person.id == person_id)
    if found is None:
        abort(404, "no such person")
    others = [p for p in list_people() if p["id"] != person_id]
    return grid(
        found.name or "Unnamed person",
        q=f"person:#{person_id}",
        hide_query=True,
        person=found,
        others=others,
    )
