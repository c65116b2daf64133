"""Face crops (served from the photo's viewer thumbnail, cached) and the page of faces
that belong to nobody."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, send_file

from appliance.catalog.face_review import FaceRef, face_for_crop, faces_of_nobody
from appliance.media.face_crop import cached_face_jpeg
from appliance.media.thumbs import ThumbnailCache
from appliance.web.media import cached

bp = Blueprint("faces", __name__)


@bp.get("/media/face/<int:face_id>.jpg")
def crop(face_id: int) -> Response:
    """A face's square crop (login required like every media route)."""
    found = face_for_crop(face_id)
    if found is None:
        abort(404)
    face, photo = found
    library = current_app.config["SHOEBOX_LIBRARY"]
    sha = photo.primary_sha256
    thumbnail = ThumbnailCache(library.cache).path(sha, "viewer")
    if not photo.width or not photo.height or not thumbnail.is_file():
        abort(404)
    box = (face.box_x, face.box_y, face.box_w, face.box_h)
    path = cached_face_jpeg(
        library.cache / "faces" / sha[:2] / f"{sha}-{face_id}.jpg",
        thumbnail,
        box,
        (photo.width, photo.height),
    )
    response = send_file(path, mimetype="image/jpeg", conditional=False, etag=False)
    return cached(response, f"face-{face_id}-{sha}")


def _sections(faces: list[FaceRef]) -> list[list[FaceRef]]:
    """The page's faces as lists: a face alone, or the faces of one group together."""
    sections: list[list[FaceRef]] = []
    for face in faces:
        if face.group is not None and sections and sections[-1][0].group == face.group:
            sections[-1].append(face)
        else:
            sections.append([face])
    return sections


@bp.get("/people/unknown")
def unknown() -> str:
    faces, total = faces_of_nobody(limit=120)
    return render_template(
        "faces_unknown.html",
        title="Who are they?",
        sections=_sections(faces),
        total=total,
    )
