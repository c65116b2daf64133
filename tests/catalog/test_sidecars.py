"""XMP sidecars: decisions written through ExifTool, read back by ExifTool and on import."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from ingest_helpers import ingest, make_jpeg, quick_settings, sha256

from appliance.catalog import sidecars
from appliance.catalog.edits import set_text
from appliance.catalog.labels import add_manual_label
from appliance.catalog.models import (
    Face,
    Label,
    Person,
    Photo,
    PhotoLabel,
    SidecarPending,
    SidecarSeen,
)
from appliance.catalog.people import name_face
from appliance.library import Library
from appliance.media.xmp_read import read_sidecar

BIDEN = "faces/face_recognition/biden.jpg"


def exiftool_json(path: Path, *args: str) -> dict:
    out = subprocess.run(
        ["exiftool", "-j", *args, str(path)], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out)[0]


def manual_labels(photo_id: int) -> set[str]:
    return {
        row.label.name
        for row in PhotoLabel.select(PhotoLabel, Label)
        .join(Label)
        .where((PhotoLabel.photo == photo_id) & (PhotoLabel.source == "manual"))
    }


def people_on(photo_id: int) -> set[str]:
    return {
        face.person.name
        for face in Face.select(Face, Person).join(Person).where(Face.photo == photo_id)
        if face.person.name
    }


@pytest.fixture
def imported_face(tmp_path: Path, corpus: Path):
    """biden.jpg imported (copy) with the face pipeline on; returns (settings, photo id)."""
    src = tmp_path / "card"
    src.mkdir()
    shutil.copyfile(corpus / BIDEN, src / "biden.jpg")
    settings = quick_settings(tmp_path / "lib", faces=True, workers=1)
    (outcome,) = ingest(settings, src, "copy")
    assert outcome.status == "added", outcome
    return settings, outcome.photo_id


def test_decisions_are_written_to_the_sidecar_and_exiftool_reads_the_region(
    imported_face, tmp_path: Path, corpus: Path
) -> None:
    settings, photo_id = imported_face
    library = Library(tmp_path / "lib")
    (face,) = Face.select().where(Face.photo == photo_id)
    name_face(face.id, "Joe Biden")  # what clicking a face and typing a name does
    face = Face.get_by_id(face.id)
    add_manual_label(photo_id, "Speech")
    Photo.update(favorite=True).where(Photo.id == photo_id).execute()
    assert SidecarPending.select().where(SidecarPending.photo == photo_id).exists()
    assert sidecars.flush(library) == 0  # debounced: not yet due
    assert sidecars.flush(library, everything=True) == 1
    (path,) = sidecars.sidecar_paths(library, photo_id)
    original = path.with_name(path.name[: -len(".xmp")])
    assert path.name == "biden.jpg.xmp" and original.is_file()

    regions = exiftool_json(path, "-struct", "-RegionInfo")["RegionInfo"]
    (region,) = regions["RegionList"]
    assert region["Name"] == "Joe Biden" and region["Type"] == "Face"
    photo = Photo.get_by_id(photo_id)
    assert regions["AppliedToDimensions"] == {"W": photo.width, "H": photo.height, "Unit": "pixel"}
    area = region["Area"]
    assert area["Unit"] == "normalized"
    assert area["X"] == pytest.approx((face.box_x + face.box_w / 2) / photo.width, abs=1e-4)
    assert area["W"] == pytest.approx(face.box_w / photo.width, abs=1e-4)
    tags = exiftool_json(path, "-n", "-XMP:all")
    assert tags["Rating"] == 5
    assert tags["Subject"] == "speech"
    assert tags["PersonInImage"] == "Joe Biden"
    assert tags["HierarchicalSubject"] == ["speech", "People|Joe Biden"]
    # the original was not touched
    assert sha256(original) == sha256(corpus / BIDEN)


def test_a_later_decision_rewrites_the_sidecar_and_keeps_foreign_tags(
    imported_face, tmp_path: Path
) -> None:
    settings, photo_id = imported_face
    library = Library(tmp_path / "lib")
    add_manual_label(photo_id, "speech")
    sidecars.flush(library, everything=True)
    (path,) = sidecars.sidecar_paths(library, photo_id)
    # another program adds its own tag and a hierarchy for our label
    subprocess.run(
        ["exiftool", "-overwrite_original", "-XMP-dc:Creator=Grandpa",
         "-XMP-lr:HierarchicalSubject=Events|speech", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    add_manual_label(photo_id, "politics")
    Photo.update(favorite=False, title="At the podium").where(Photo.id == photo_id).execute()
    sidecars.flush(library, everything=True)
    tags = exiftool_json(path, "-n", "-XMP:all")
    assert tags["Creator"] == "Grandpa"
    assert tags["Subject"] == ["politics", "speech"]
    assert tags["HierarchicalSubject"] == ["Events|speech", "politics"]
    assert tags["Title"] == "At the podium" and tags["Rating"] == 0


def _digikam_photo(corpus: Path, target: Path) -> Path:
    """A JPEG tagged the way digiKam writes it: keywords, hierarchy, MWG face regions."""
    shutil.copyfile(corpus / BIDEN, target)
    values = {
        "SourceFile": "*",
        "XMP-dc:Subject": ["Holiday", "Joe Biden"],
        "XMP-lr:HierarchicalSubject": ["Events|Holiday", "People|Joe Biden"],
        "XMP-digiKam:TagsList": ["Events/Holiday", "People/Joe Biden"],
        "XMP-xmp:Rating": 5,
        "XMP-mwg-rs:RegionInfo": {
            "AppliedToDimensions": {"W": 970, "H": 2204, "Unit": "pixel"},
            "RegionList": [
                {  # around the face the detector finds (a digiKam box is a little larger)
                    "Area": {"X": 0.6, "Y": 0.18, "W": 0.36, "H": 0.16, "Unit": "normalized"},
                    "Name": "Joe Biden",
                    "Type": "Face",
                },
                {
                    "Area": {"X": 0.1, "Y": 0.9, "W": 0.05, "H": 0.05, "Unit": "normalized"},
                    "Name": "Jill",
                    "Type": "Face",
                },
            ],
        },
    }
    spec = target.with_suffix(".json")
    spec.write_text(json.dumps([values]))
    subprocess.run(
        ["exiftool", "-overwrite_original", f"-j={spec}", str(target)],
        check=True,
        capture_output=True,
    )
    spec.unlink()
    return target


@pytest.mark.parametrize("faces", [False, True])
def test_digikam_regions_and_keywords_arrive_on_import(
    tmp_path: Path, corpus: Path, faces: bool
) -> None:
    src = tmp_path / "old"
    src.mkdir()
    _digikam_photo(corpus, src / "biden.jpg")
    settings = quick_settings(tmp_path / "lib", faces=faces, workers=1)
    (outcome,) = ingest(settings, src, "copy")
    assert outcome.status == "added", outcome
    photo = Photo.get_by_id(outcome.photo_id)
    assert manual_labels(photo.id) == {"holiday"}  # person names are not labels
    assert people_on(photo.id) == {"Joe Biden", "Jill"}
    assert photo.favorite and photo.rating == 5
    if faces:  # the named region covers the detected face: that face is named
        named = (
            Face.select()
            .join(Person)
            .where((Face.photo == photo.id) & (Person.name == "Joe Biden"))
        )
        assert [f.descriptor is not None for f in named] == [True]
    # and Shoebox's own sidecar now carries them
    (path,) = sidecars.sidecar_paths(Library(tmp_path / "lib"), photo.id)
    tags = exiftool_json(path, "-XMP:all")
    assert set(tags["PersonInImage"]) == {"Joe Biden", "Jill"}


def test_sidecar_beside_the_source_is_read_on_import_and_picked_up_when_edited(
    tmp_path: Path, corpus: Path
) -> None:
    src = tmp_path / "folder"
    src.mkdir()
    photo_path = src / "biden.jpg"
    shutil.copyfile(corpus / BIDEN, photo_path)
    side = src / "biden.jpg.xmp"
    subprocess.run(
        ["exiftool", "-o", str(side), "-XMP-dc:Subject=beach", "-XMP-dc:Title=Sea"],
        check=True,
        capture_output=True,
    )
    before = sha256(photo_path)
    settings = quick_settings(tmp_path / "lib")
    (outcome,) = ingest(settings, src, "index")
    photo_id = outcome.photo_id
    assert manual_labels(photo_id) == {"beach"}
    assert Photo.get_by_id(photo_id).title == "Sea"
    # edited outside Shoebox (digiKam): the next scan picks it up
    subprocess.run(
        ["exiftool", "-overwrite_original", "-XMP-dc:Subject=dunes", "-XMP-xmp:Rating=5",
         str(side)],
        check=True, capture_output=True,
    )  # fmt: skip
    (again,) = ingest(settings, src, "index")
    assert again.status == "unchanged"
    assert manual_labels(photo_id) == {"dunes"}
    assert Photo.get_by_id(photo_id).favorite
    # Shoebox wrote its copy into the library's mirror tree, never beside the source
    assert sorted(p.name for p in src.iterdir()) == ["biden.jpg", "biden.jpg.xmp"]
    assert sha256(photo_path) == before
    mirror = Library(tmp_path / "lib").mirror_sidecar(photo_path)
    assert exiftool_json(mirror, "-XMP:all")["Subject"] == "dunes"


def test_library_sidecar_edited_outside_is_read_by_the_next_scan(
    imported_face, tmp_path: Path
) -> None:
    settings, photo_id = imported_face
    library = Library(tmp_path / "lib")
    add_manual_label(photo_id, "speech")
    sidecars.flush(library, everything=True)
    (path,) = sidecars.sidecar_paths(library, photo_id)
    subprocess.run(
        ["exiftool", "-overwrite_original", "-XMP-dc:Subject+=podium", str(path)],
        check=True,
        capture_output=True,
    )
    assert sidecars.rescan(library) == 1
    assert manual_labels(photo_id) == {"speech", "podium"}
    assert sidecars.rescan(library) == 0


def test_embedded_keywords_follow_mwg_and_picasa_iptc_keywords_arrive(corpus: Path) -> None:
    from appliance.media.metadata import read_metadata

    mwg = read_metadata(corpus / "exif/exiftool/MWG.jpg")  # XMP and IPTC keywords differ
    assert mwg.keywords == ["RIGHT1of2-XMP-Keywords", "RIGHT2of2-XMP-Keywords"]
    assert mwg.rating == 3
    picasa = read_metadata(corpus / "exif/immich/tags/picasa.jpg")  # IPTC only
    assert picasa.keywords == ["Frost", "Yard"]


OLD_EXPORT_KEYS = {
    "id", "status", "kind", "files", "taken_at", "taken_at_source", "camera_make",
    "camera_model", "lens", "exposure_time", "f_number", "iso", "focal_length", "latitude",
    "longitude", "altitude", "orientation", "width", "height", "favorite", "archived",
    "labels", "faces", "people", "albums",
}  # fmt: skip
OLD_FILE_KEYS = {
    "path", "sha256", "mime", "size", "role", "width", "height", "error", "stored_path",
    "seen_at", "missing",
}  # fmt: skip


def test_export_keeps_its_shape_and_adds_the_decisions(tmp_path: Path, corpus: Path, capsys):
    from ingest_helpers import export

    src = tmp_path / "old"
    src.mkdir()
    _digikam_photo(corpus, src / "biden.jpg")
    ingest(quick_settings(tmp_path / "lib"), src, "copy")
    (photo,) = export(tmp_path / "lib", capsys)
    assert photo.keys() >= OLD_EXPORT_KEYS
    # new fields only added (other issues add theirs too)
    assert {"title", "description", "rating", "place_source"} <= photo.keys() - OLD_EXPORT_KEYS
    assert photo["files"][0].keys() >= OLD_FILE_KEYS
    assert photo["rating"] == 5 and photo["favorite"] is True
    assert {"name": "holiday", "confidence": 1.0, "source": "manual"} in photo["labels"]
    assert {p["name"] for p in photo["people"]} == {"Joe Biden", "Jill"}


def test_favourite_and_rating_stay_in_step(imported_face) -> None:
    _, photo_id = imported_face
    Photo.update(favorite=True).where(Photo.id == photo_id).execute()
    assert Photo.get_by_id(photo_id).rating == 5
    Photo.update(favorite=False).where(Photo.id == photo_id).execute()
    assert Photo.get_by_id(photo_id).rating == 0


def test_a_darktable_sidecar_travels_with_the_import(tmp_path: Path, corpus: Path) -> None:
    src = tmp_path / "inbox"
    src.mkdir()
    shutil.copyfile(corpus / BIDEN, src / "biden.jpg")
    side = src / "biden.jpg.xmp"
    subprocess.run(
        ["exiftool", "-o", str(side), "-XMP-dc:Creator=darktable user", "-XMP-dc:Subject=pier"],
        check=True,
        capture_output=True,
    )
    (outcome,) = ingest(quick_settings(tmp_path / "lib"), src, "move")
    assert outcome.status == "added"
    assert not (src / "biden.jpg").exists() and not side.exists()  # moved, sidecar too
    (path,) = sidecars.sidecar_paths(Library(tmp_path / "lib"), outcome.photo_id)
    tags = exiftool_json(path, "-XMP:all")
    assert tags["Creator"] == "darktable user"  # foreign tags kept
    assert tags["Subject"] == "pier"  # the decision, now also Shoebox's
    assert manual_labels(outcome.photo_id) == {"pier"}


def test_typed_values_reach_the_sidecar_exactly_as_typed(imported_face, tmp_path: Path) -> None:
    """ExifTool's JSON import decodes ``base64:`` values and unescapes ``\\u0041``: neither
    may change what a person typed, or a rebuild would bring back something else."""
    settings, photo_id = imported_face
    library = Library(tmp_path / "lib")
    title = "base64:L2V0Yy9wYXNzd2Q="  # "/etc/passwd" once decoded
    description = r"C:\u0041dir and \\u00e9 stay as typed"
    label = "base64:abcdefghijklmnop"  # still base64 once lowercased
    name = "base64:Sm9lIEJpZGVu"
    set_text(photo_id, title=title, description=description)
    add_manual_label(photo_id, label)
    (face,) = Face.select().where(Face.photo == photo_id)
    name_face(face.id, name)
    assert sidecars.flush(library, everything=True) == 1
    (path,) = sidecars.sidecar_paths(library, photo_id)

    tags = exiftool_json(path, "-XMP:all")
    assert tags["Title"] == title and tags["Description"] == description
    assert tags["Subject"] == label and tags["PersonInImage"] == name
    (region,) = exiftool_json(path, "-struct", "-RegionInfo")["RegionInfo"]["RegionList"]
    assert region["Name"] == name
    # what a rebuild reads back
    side = read_sidecar(path)
    assert (side.title, side.description) == (title, description)
    assert side.keywords == [label] and side.people == [name]


def _with_sidecar(photo: Path, seed: int, *tags: str) -> Path:
    """A distinct small JPEG at ``photo`` and its ``NAME.EXT.xmp`` holding ``tags``."""
    make_jpeg(photo, seed)
    side = photo.with_name(photo.name + ".xmp")
    side.unlink(missing_ok=True)
    subprocess.run(["exiftool", "-o", str(side), *tags], check=True, capture_output=True)
    return side


def _edit(side: Path, *tags: str) -> None:
    """Edit a sidecar in place, as digiKam or darktable would."""
    subprocess.run(
        ["exiftool", "-overwrite_original", *tags, str(side)], check=True, capture_output=True
    )


@pytest.mark.parametrize("policy", ["copy", "move"])
def test_a_later_file_at_a_source_path_is_not_an_edit_of_the_earlier_photo(
    tmp_path: Path, policy: str
) -> None:
    """An inbox name, a card's names, a Takeout staging path come again with other photos:
    the sidecar beside the source is not the library's, only the copy carried beside the
    library's original is."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    photo = inbox / "IMG_0001.jpg"
    _with_sidecar(photo, 1, "-XMP-dc:Title=first")
    settings = quick_settings(tmp_path / "lib", workers=1)
    library = Library(tmp_path / "lib")
    (first,) = ingest(settings, inbox, policy)  # type: ignore[arg-type]
    assert first.status == "added"
    assert Photo.get_by_id(first.photo_id).title == "first"

    photo.unlink(missing_ok=True)
    side = _with_sidecar(photo, 2, "-XMP-dc:Title=second")
    later = side.stat().st_mtime + 10
    os.utime(side, (later, later))
    assert sidecars.rescan(library) == 0
    assert Photo.get_by_id(first.photo_id).title == "first"

    (second,) = ingest(settings, inbox, policy)  # type: ignore[arg-type]
    assert second.status == "added" and second.photo_id != first.photo_id
    assert Photo.get_by_id(second.photo_id).title == "second"
    assert Photo.get_by_id(first.photo_id).title == "first"

    # the copy beside the library's original is the photo's: its edits are read
    (carried,) = sidecars.sidecar_paths(library, first.photo_id)
    _edit(carried, "-XMP-dc:Title=edited")
    assert sidecars.rescan(library) == 1
    assert Photo.get_by_id(first.photo_id).title == "edited"
    assert Photo.get_by_id(second.photo_id).title == "second"


def test_the_carried_sidecar_is_remembered_even_without_decisions(tmp_path: Path) -> None:
    """A darktable sidecar brings no decisions (nothing for Shoebox to write back): its copy
    in the library is still the one whose edits are read."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _with_sidecar(inbox / "IMG_0002.jpg", 3, "-XMP-dc:Creator=darktable user")
    library = Library(tmp_path / "lib")
    (outcome,) = ingest(quick_settings(tmp_path / "lib", workers=1), inbox, "move")
    assert outcome.status == "added"
    (carried,) = sidecars.sidecar_paths(library, outcome.photo_id)
    assert exiftool_json(carried, "-XMP:all")["Creator"] == "darktable user"
    _edit(carried, "-XMP-dc:Title=Pier")
    assert sidecars.rescan(library) == 1
    assert Photo.get_by_id(outcome.photo_id).title == "Pier"


def test_an_unchanged_copy_source_does_not_bring_its_sidecar_edits(tmp_path: Path) -> None:
    """Importing (copy) an unchanged folder again: its sidecars are the source's, not the
    library's (`check_beside` is for files catalogued in place)."""
    card = tmp_path / "card"
    card.mkdir()
    side = _with_sidecar(card / "IMG_0003.jpg", 4, "-XMP-dc:Title=first")
    settings = quick_settings(tmp_path / "lib", workers=1)
    (first,) = ingest(settings, card, "copy")
    _edit(side, "-XMP-dc:Title=other")
    (again,) = ingest(settings, card, "copy")
    assert again.status == "unchanged"
    assert Photo.get_by_id(first.photo_id).title == "first"


def test_a_remembered_source_sidecar_of_an_older_library_is_not_applied(
    tmp_path: Path,
) -> None:
    """Libraries imported before remember sidecars at source paths: they are not the
    photo's files, so a change there is never applied, and the row is forgotten."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    photo = inbox / "IMG_0004.jpg"
    _with_sidecar(photo, 5, "-XMP-dc:Title=first")
    library = Library(tmp_path / "lib")
    (first,) = ingest(quick_settings(tmp_path / "lib", workers=1), inbox, "move")
    side = _with_sidecar(photo, 6, "-XMP-dc:Title=second")
    SidecarSeen.delete().where(SidecarSeen.path == str(side)).execute()
    SidecarSeen.create(path=str(side), photo=first.photo_id, mtime=1.0)  # what it left
    assert sidecars.rescan(library) == 0
    assert Photo.get_by_id(first.photo_id).title == "first"
    assert not SidecarSeen.select().where(SidecarSeen.path == str(side)).exists()
