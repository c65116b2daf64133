"""People in a real catalog: incremental assignment, corrections, and a recluster keeping them."""

from __future__ import annotations

import pytest

from appliance.catalog import people
from appliance.catalog.db import connect
from appliance.catalog.models import Face, Person, Photo
from appliance.vision.faces import FaceAnalyzer
from appliance.vision.faces.evaluate import label_faces, load_picture, load_truth

FOLDERS = (
    "faces/face_recognition/",
    "faces/dlib/johns/John_Salley/",
    "faces/dlib/johns/John_Simm/",
)


@pytest.fixture(scope="module")
def analyzed(corpus):
    """(path, [(FaceResult, label)]) for Obama/Biden and two Johns."""
    truth = load_truth(corpus)
    analyzer = FaceAnalyzer(accelerator="cpu")
    out = []
    for path in sorted(p for p in truth if p.startswith(FOLDERS)):
        faces = analyzer.analyze(load_picture(corpus / path))
        out.append((path, list(zip(faces, label_faces(faces, truth[path]), strict=True))))
    return out


@pytest.fixture
def catalog(tmp_path, analyzed):
    """A fresh catalog with the analyzed faces stored; returns face id -> label."""
    db = connect(tmp_path / "catalog.db")
    labels = {}
    for _path, faces in analyzed:
        photo = Photo.create()
        for face, label in faces:
            row = Face.create(
                photo=photo,
                box_x=face.box[0],
                box_y=face.box[1],
                box_w=face.box[2],
                box_h=face.box[3],
                score=face.score,
                quality=face.quality,
                usable=face.usable,
                descriptor=face.descriptor.tobytes() if face.descriptor is not None else None,
            )
            labels[row.id] = label
    yield labels
    db.close()


def person_of(labels, name):
    """The person holding most faces labelled ``name``."""
    ids = [Face.get_by_id(f).person_id for f, n in labels.items() if n == name]
    return max(set(ids) - {None}, key=ids.count)


def test_incremental_assignment_groups_people(catalog):
    labels = catalog
    ids = sorted(labels)
    first = people.assign_new_faces(ids[: len(ids) // 2])
    second = people.assign_new_faces()
    assert first.looked_at + second.looked_at == Face.select().where(Face.usable == True).count()  # noqa: E712
    assert people.assign_new_faces().looked_at == 0  # nothing new: nothing to do
    for name in ("Barack Obama", "John Salley", "John Simm"):
        faces = [f for f, n in labels.items() if n == name and Face.get_by_id(f).usable]
        assert len({Face.get_by_id(f).person_id for f in faces}) == 1, name
    listed = people.list_people()
    assert len(listed) >= 3 and all(p.face_count > 0 for p in listed)
    assert (
        sum(p.face_count for p in listed) == Face.select().where(Face.person.is_null(False)).count()
    )


def test_corrections_survive_recluster(catalog):
    labels = catalog
    people.assign_new_faces()
    obama, salley, simm = (
        person_of(labels, n) for n in ("Barack Obama", "John Salley", "John Simm")
    )
    people.name_person(obama, "  Barack   Obama ")
    assert Person.get_by_id(obama).name == "Barack Obama"
    removed = next(
        f for f, n in labels.items() if n == "Barack Obama" and Face.get_by_id(f).person_id == obama
    )
    people.remove_face(removed)
    assert Face.get_by_id(removed).person_id is None
    people.name_person(salley, "The Johns")
    merged = people.merge_people(salley, simm)
    assert Person.get_or_none(Person.id == simm) is None
    johns = {
        f
        for f, n in labels.items()
        if n in ("John Salley", "John Simm") and Face.get_by_id(f).person_id
    }
    assert all(Face.get_by_id(f).person_id == salley for f in johns) and merged.name == "The Johns"

    people.assign_new_faces()  # the removed face is looked at again: never back to Obama
    assert Face.get_by_id(removed).person_id != obama
    stats = people.recluster()
    assert stats.looked_at > 0
    assert Person.get_by_id(obama).name == "Barack Obama"
    assert Face.get_by_id(removed).person_id != obama
    assert all(Face.get_by_id(f).person_id == salley for f in johns)  # the merge holds
    obama_faces = [f for f, n in labels.items() if n == "Barack Obama" and f != removed]
    assert all(
        Face.get_by_id(f).person_id == obama for f in obama_faces if Face.get_by_id(f).usable
    )
    names = [p.name for p in people.list_people()]
    assert set(names[:2]) == {"Barack Obama", "The Johns"}  # named people first


def test_recluster_keeps_automatic_ids_stable(catalog):
    people.assign_new_faces()
    before = {f.id: f.person_id for f in Face.select() if f.person_id}
    people.recluster()
    after = {f.id: f.person_id for f in Face.select() if f.person_id}
    assert before == after


def test_bad_requests_raise_clear_errors(catalog):
    people.assign_new_faces()
    person = people.list_people()[0].id
    with pytest.raises(people.PeopleError, match="no person"):
        people.name_person(999999, "x")
    with pytest.raises(people.PeopleError, match="non-empty"):
        people.name_person(person, "   ")
    with pytest.raises(people.PeopleError, match="itself"):
        people.merge_people(person, person)
    with pytest.raises(people.PeopleError, match="no face"):
        people.remove_face(999999)
    lonely = Face.select().where(Face.person.is_null()).first()
    with pytest.raises(people.PeopleError, match="no person"):
        people.remove_face(lonely.id)
