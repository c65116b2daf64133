"""Rebuild keeps decisions: delete the catalogue after naming, favouriting, labelling and
editing, rebuild from originals/ + sidecars, find every decision back."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

from ingest_helpers import ingest, quick_settings

from appliance.catalog import edits, photo_edits, sidecars
from appliance.catalog.labels import add_manual_label
from appliance.catalog.models import Face, File, Label, Location, Person, Photo, PhotoLabel
from appliance.catalog.people import name_face
from appliance.catalog.private import hidden_from, set_private
from appliance.catalog.queries import search_photos
from appliance.catalog.users import create_user
from appliance.ingest.rebuild import rebuild
from appliance.library import Library

PHOTOS = (
    "faces/face_recognition/biden.jpg",
    "faces/face_recognition/obama.jpg",
    "misc/skimage/chelsea.jpg",
)


def _decisions(library: Library) -> dict[str, dict]:
    """Every decision of every photo, keyed by the file's path under originals/."""
    out = {}
    for photo in Photo.select():
        paths = [
            f.stored_path for f in File.select().where(File.photo == photo.id) if f.stored_path
        ] or [
            str(Path(loc.path).relative_to(library.originals.resolve()))
            for loc in Location.select().join(File).where(File.photo == photo.id)
        ]
        labels = {
            row.label.name
            for row in PhotoLabel.select(PhotoLabel, Label)
            .join(Label)
            .where((PhotoLabel.photo == photo.id) & (PhotoLabel.source == "manual"))
        }
        people = sorted(
            f.person.name
            for f in Face.select(Face, Person).join(Person).where(Face.photo == photo.id)
            if f.person.name
        )
        out[paths[0]] = {
            "favorite": photo.favorite,
            "labels": labels,
            "people": people,
            "taken_at": (photo.taken_at, photo.taken_at_offset),
            "place": (photo.latitude, photo.longitude),
            "title": photo.title,
            "edits": photo_edits.parse(photo.edits),
        }
    return out


def test_rebuild_finds_every_decision_back(tmp_path: Path, corpus: Path) -> None:
    src = tmp_path / "card"
    src.mkdir()
    for rel in PHOTOS:
        shutil.copyfile(corpus / rel, src / Path(rel).name)
    settings = quick_settings(tmp_path / "lib", faces=True, workers=1)
    library = Library(tmp_path / "lib")
    outcomes = ingest(settings, src, "copy")
    ids = {o.task.path.name: o.photo_id for o in outcomes}
    assert len(ids) == 3 and all(o.status == "added" for o in outcomes)

    # what a family does: name people, favourite, label, fix a date, set a place, a title
    (biden_face,) = Face.select().where(Face.photo == ids["biden.jpg"])
    (obama_face,) = Face.select().where(Face.photo == ids["obama.jpg"])
    name_face(biden_face.id, "Joe Biden")
    name_face(obama_face.id, "Barack Obama")
    Photo.update(favorite=True).where(Photo.id == ids["obama.jpg"]).execute()
    add_manual_label(ids["chelsea.jpg"], "Our cat")
    add_manual_label(ids["biden.jpg"], "speech")
    edits.set_taken_at(ids["chelsea.jpg"], dt.datetime(2019, 8, 1, 16, 0), -240)
    edits.set_place(ids["chelsea.jpg"], 40.7128, -74.006)
    edits.set_text(ids["obama.jpg"], title="Official portrait")
    photo_edits.set_edits(  # turned, cropped, straightened and lit
        ids["biden.jpg"],
        {
            "rotate": 270,
            "crop": {"x": 0.1, "y": 0.2, "w": 0.5, "h": 0.6},
            "straighten": -3.5,
            "exposure": 0.7,
            "contrast": 0.25,
            "warmth": -0.4,
            "bw": True,
        },
    )
    photo_edits.set_edits(ids["chelsea.jpg"], {"rotate": 90})
    assert sidecars.flush(library, everything=True) == 3
    (sidecar,) = sidecars.sidecar_paths(library, ids["biden.jpg"])
    written = subprocess.run(  # what darktable and digiKam read: the real ExifTool's view
        ["exiftool", "-j", "-n", "-XMP-tiff:Orientation", "-XMP-crs:all", str(sidecar)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    tags = json.loads(written.stdout)[0]
    assert (tags["Orientation"], tags["HasCrop"], tags["CropAngle"]) == (8, True, -3.5)
    assert (tags["CropLeft"], tags["CropRight"], tags["ConvertToGrayscale"]) == (0.1, 0.6, True)
    before = _decisions(library)
    assert sorted(sorted(d["labels"]) for d in before.values()) == [[], ["our cat"], ["speech"]]

    # the catalogue is lost
    Photo._meta.database.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{library.catalog_path}{suffix}").unlink(missing_ok=True)

    report = rebuild(settings, force=True)
    assert report.count("added") == 3, [(o.task.path, o.status, o.error) for o in report.outcomes]
    after = _decisions(library)
    assert after == before
    assert after  # and the decisions are really there:
    people = sorted(p for d in after.values() for p in d["people"])
    assert people == ["Barack Obama", "Joe Biden"]
    assert sum(d["favorite"] for d in after.values()) == 1


def _sidecar_tags(library: Library, photo_id: int) -> dict:
    """The real ExifTool's view (without Shoebox's config) of a photo's sidecar."""
    (sidecar,) = sidecars.sidecar_paths(library, photo_id)
    if not sidecar.exists():
        return {}
    shown = subprocess.run(
        ["exiftool", "-j", "-n", "-XMP-shoebox:all", str(sidecar)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return {k: v for k, v in json.loads(shown.stdout)[0].items() if k != "SourceFile"}


def test_a_rebuild_keeps_private_photos_private_for_their_owner(
    tmp_path: Path, corpus: Path
) -> None:
    """Private is a decision like the others: the sidecar says so (shoebox:Private and the
    owner's name), so a rebuild from sidecars alone does not show it to the family. The
    accounts are lost with the catalogue: the photo is nobody's until an account of that
    name exists again, then it is that account's. A photo made public again loses the tags."""
    src = tmp_path / "card"
    src.mkdir()
    for rel in PHOTOS:
        shutil.copyfile(corpus / rel, src / Path(rel).name)
    settings = quick_settings(tmp_path / "lib", workers=1)
    library = Library(tmp_path / "lib")
    ids = {o.task.path.name: o.photo_id for o in ingest(settings, src, "copy")}
    mum = create_user("mum", "correct horse battery")
    Photo.update(owner_id=mum.id).where(Photo.id.in_(list(ids.values()))).execute()
    set_private(ids["obama.jpg"], True, mum.id)
    set_private(ids["biden.jpg"], True, mum.id)
    sidecars.flush(library, everything=True)
    assert _sidecar_tags(library, ids["obama.jpg"]) == {"Private": 1, "Owner": "mum"}
    set_private(ids["biden.jpg"], False, mum.id)  # and back out of Private
    sidecars.flush(library, everything=True)
    assert _sidecar_tags(library, ids["biden.jpg"]) == {}
    assert _sidecar_tags(library, ids["chelsea.jpg"]) == {}

    Photo._meta.database.close()  # the catalogue is lost, and its accounts with it
    for suffix in ("", "-wal", "-shm"):
        Path(f"{library.catalog_path}{suffix}").unlink(missing_ok=True)
    report = rebuild(settings, force=True)
    assert report.count("added") == 3, [(o.task.path, o.status, o.error) for o in report.outcomes]
    by_name = {Path(f.stored_path).name: f.photo_id for f in File.select() if f.stored_path}
    hidden = Photo.get_by_id(by_name["obama.jpg"])
    assert hidden.private and hidden.owner_id is None and hidden.private_owner_name == "mum"
    assert not Photo.get_by_id(by_name["biden.jpg"]).private
    assert not Photo.get_by_id(by_name["chelsea.jpg"]).private
    shown = {item["id"] for item in search_photos(limit=50).items}
    assert shown == {by_name["biden.jpg"], by_name["chelsea.jpg"]}
    assert hidden_from(None, False, photo_id=hidden.id)

    create_user("dad", "correct horse battery")  # another name claims nothing
    assert Photo.get_by_id(hidden.id).owner_id is None
    mum_again = create_user("mum", "correct horse battery")
    claimed = Photo.get_by_id(hidden.id)
    assert claimed.owner_id == mum_again.id and claimed.private_owner_name is None
    assert claimed.private and not hidden_from(mum_again.id, True, photo_id=hidden.id)
