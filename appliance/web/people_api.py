"""JSON API v1 for naming faces (suggestions, faces of nobody, dismiss, hide, cover) and
search suggestions; described in openapi_family.py."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request, url_for

from appliance.catalog import face_review
from appliance.catalog.suggest import as_json, suggest
from appliance.web.api import _int, body, fail
from appliance.web.permissions import require

bp = Blueprint("people_api", __name__, url_prefix="/api/v1")


def _face_json(ref: face_review.FaceRef) -> dict[str, Any]:
    suggestion = ref.suggestion
    return {
        "id": ref.id,
        "photo_id": ref.photo_id,
        "person_id": ref.person_id,
        "crop_url": url_for("faces.crop", face_id=ref.id),
        "suggestion": _choice_json(suggestion) if suggestion else None,
        "group": ref.group,
    }


def _choice_json(choice: face_review.NameChoice) -> dict[str, Any]:
    return {
        "person_id": choice.person_id,
        "name": choice.name,
        "distance": choice.distance,
        "suggested": choice.suggested,
    }


def _page_args() -> tuple[int, int]:
    try:
        return int(request.args.get("limit", 60)), int(request.args.get("offset", 0))
    except ValueError:
        fail(400, "limit and offset must be numbers")


@bp.get("/faces/unassigned")
def unassigned() -> Any:
    limit, offset = _page_args()
    faces, total = face_review.faces_of_nobody(limit, offset)
    return jsonify(faces=[_face_json(f) for f in faces], total=total)


@bp.get("/faces/<int:face_id>/names")
def names(face_id: int) -> Any:
    choices = face_review.name_choices(face_id)
    return jsonify(names=[_choice_json(c) for c in choices])


@bp.post("/faces/<int:face_id>/dismiss")
def dismiss(face_id: int) -> Any:
    require(g.user, "face.name")
    dismissed = body().get("dismissed", True)
    if not isinstance(dismissed, bool):
        fail(400, "dismissed must be true or false")
    face_review.dismiss_face(face_id, dismissed)
    return jsonify(face_id=face_id, dismissed=dismissed)


@bp.get("/people/<int:person_id>/faces")
def person_faces(person_id: int) -> Any:
    limit, _ = _page_args()
    faces = face_review.faces_of(person_id, limit)
    return jsonify(faces=[_face_json(f) for f in faces])


@bp.post("/people/<int:person_id>/hide")
def hide(person_id: int) -> Any:
    require(g.user, "person.hide")
    hidden = body().get("hidden", True)
    if not isinstance(hidden, bool):
        fail(400, "hidden must be true or false")
    person = face_review.set_hidden(person_id, hidden)
    return jsonify(id=person.id, hidden=person.hidden)


@bp.post("/people/<int:person_id>/cover")
def cover(person_id: int) -> Any:
    require(g.user, "person.edit")
    face_id = _int(body().get("face_id"), "face_id")
    person = face_review.set_cover(person_id, face_id)
    return jsonify(id=person.id, cover_face_id=person.cover_face_id)


@bp.get("/search/suggest")
def search_suggest() -> Any:
    return jsonify(suggestions=as_json(suggest(request.args.get("q", ""))))
