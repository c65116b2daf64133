"""The pipeline with its vision stages on: labels and faces land in the catalog and export."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ingest_helpers import export

from appliance.catalog import edits, people
from appliance.catalog import labels as catalog_labels
from appliance.cli import main

PICKED = [
    "misc/skimage/chelsea.jpg",
    "heif/pillow_heif/pug.heic",
    "misc/skimage/coffee.jpg",
    "faces/face_recognition/obama.jpg",
    "faces/face_recognition/obama2.jpg",
    "faces/face_recognition/obama_small.jpg",
    "faces/face_recognition/biden.jpg",
    "faces/face_recognition/two_people.jpg",
    "misc/immich/albums/nature/prairie_falcon.jpg",  # keywords and title name the bird
]


@pytest.fixture(scope="module")
def vision_library(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("picked")
    for relative in PICKED:
        shutil.copy(corpus / relative, folder / Path(relative).name)
    library = tmp_path_factory.mktemp("vision-lib")
    assert main(["--library", str(library), "index", str(folder)]) == 0
    return library, folder


def _by_name(photos: list[dict]) -> dict[str, dict]:
    return {Path(p["files"][0]["seen_at"][0]).name: p for p in photos}


def test_labels_and_faces_are_catalogued(vision_library: tuple[Path, Path], capsys) -> None:
    photos = _by_name(export(vision_library[0], capsys))
    names = {n: [label["name"] for label in p["labels"]] for n, p in photos.items()}
    assert "cat" in names["chelsea.jpg"], names
    assert "dog" in names["pug.heic"], names
    assert not photos["coffee.jpg"]["faces"] and not photos["chelsea.jpg"]["faces"]
    two = photos["two_people.jpg"]
    assert len(two["faces"]) == 2
    for face in two["faces"]:
        x, y, w, h = face["box"]
        assert x >= 0 and y >= 0 and x + w <= two["width"] + 1 and y + h <= two["height"] + 1
    obama = {photos[n]["people"][0]["id"] for n in ("obama.jpg", "obama2.jpg", "obama_small.jpg")}
    assert len(obama) == 1, "one person gathers Obama's faces as photos arrive"
    biden = photos["biden.jpg"]["people"][0]["id"]
    assert {p["id"] for p in two["people"]} == obama | {biden}


def test_user_decisions_survive_reclassification(vision_library: tuple[Path, Path], capsys) -> None:
    library, _ = vision_library
    photos = _by_name(export(library, capsys))
    cat = photos["chelsea.jpg"]["id"]
    catalog_labels.add_manual_label(cat, "Chelsea")
    catalog_labels.remove_label(cat, "cat")
    assert main(["--library", str(library), "classify", "--all"]) == 0
    labels = {
        label["name"]: label for label in _by_name(export(library, capsys))["chelsea.jpg"]["labels"]
    }
    assert "cat" not in labels and labels["chelsea"]["source"] == "manual"


def test_people_commands_name_and_list(vision_library: tuple[Path, Path], capsys) -> None:
    library, _ = vision_library
    photos = _by_name(export(library, capsys))
    person = photos["biden.jpg"]["people"][0]["id"]
    assert (
        main(["--library", str(library), "people", "name", str(person), "--name", "Joe", "Biden"])
        == 0
    )
    capsys.readouterr()
    assert main(["--library", str(library), "people"]) == 0
    assert "Joe Biden" in capsys.readouterr().out
    assert main(["--library", str(library), "faces", "--recluster"]) == 0
    assert people.list_people()  # still there after a full recluster
    named = _by_name(export(library, capsys))["two_people.jpg"]["people"]
    assert {"id": person, "name": "Joe Biden"} in named


def _labels(library: Path, capsys, name: str) -> list[str]:
    return [label["name"] for label in _by_name(export(library, capsys))[name]["labels"]]


def test_the_photos_own_words_name_the_animal_the_classifier_mistook(
    vision_library: tuple[Path, Path], capsys
) -> None:
    """ImageNet's classifier calls the prairie falcon in flight a lizard; its keywords
    ("birds", "raptors", "prairie falcons") and title say it is a bird."""
    library, _ = vision_library
    names = _labels(library, capsys, "prairie_falcon.jpg")
    assert "bird" in names and "lizard" not in names, names
    assert main(["--library", str(library), "classify", "--all"]) == 0
    names = _labels(library, capsys, "prairie_falcon.jpg")
    assert "bird" in names and "lizard" not in names, names


def test_a_title_the_family_gives_names_the_animal(
    vision_library: tuple[Path, Path], capsys
) -> None:
    library, _ = vision_library
    pug = _by_name(export(library, capsys))["pug.heic"]["id"]
    edits.set_text(pug, title="Our cat Rex in the garden")
    names = _labels(library, capsys, "pug.heic")
    assert "cat" in names and "dog" not in names, names
    assert main(["--library", str(library), "classify", "--all"]) == 0
    assert "dog" not in _labels(library, capsys, "pug.heic")
    edits.set_text(pug, title="")  # the classifier's answer comes back at once
    assert "dog" in _labels(library, capsys, "pug.heic")
    assert main(["--library", str(library), "classify", "--all"]) == 0
    assert "dog" in _labels(library, capsys, "pug.heic")
