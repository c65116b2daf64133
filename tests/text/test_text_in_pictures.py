"""Text in pictures, end to end on the judged pictures (tests/data/text_pictures, made by
scripts/make_text_pictures.py): imported with the real pipeline, read by the real rapidocr
models in their worker process, then found by the search box, said in the viewer, the
export and the screenshot settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from text_fixtures import TRUTH, of_kind
from web_fixtures import PASSWORD, sign_in, token

from appliance.catalog import app_settings, photo_text
from appliance.catalog.analysis import store_labels
from appliance.catalog.export import iter_export
from appliance.catalog.labels import remove_label
from appliance.catalog.models import Photo, PhotoText
from appliance.catalog.users import create_user
from appliance.config import Settings
from appliance.library import Library
from appliance.records import Label
from appliance.text.background import TextBackground
from appliance.text.kinds import KINDS
from appliance.text.labels import PAPER_AND_SCREEN, TEXT_LABELS
from appliance.text.words import fold, words
from appliance.web import create_app

NO_TEXT = sorted(name for name, t in TRUTH.items() if not t["words"])


@pytest.fixture(scope="module")
def library(text_library: tuple[Library, dict[str, int]]) -> tuple[Library, dict[str, int]]:
    return text_library


@pytest.fixture(scope="module")
def app(library: tuple[Library, dict[str, int]]) -> Flask:
    lib, _ = library
    settings = Settings(library=lib.root, setup_file=lib.root / "none.toml")
    return create_app(settings, lib)


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    with app.app_context():
        create_user("anna", PASSWORD, "admin")
    client = app.test_client()
    assert sign_in(client, "anna").status_code == 302
    return client


def found(client: FlaskClient, q: str) -> dict[int, dict]:
    response = client.get("/api/v1/photos", query_string={"q": q, "limit": 200})
    assert response.status_code == 200, response.json
    return {item["id"]: item for item in response.json["items"]}


def shown(client: FlaskClient, q: str) -> set[int]:
    """The photos a search shows: its tiles, and the photos of the stacks they stand for
    (a picture with text may be stacked with its copies)."""
    tiles = found(client, q)
    stacks = {item["stack"]["id"] for item in tiles.values() if item.get("stack")}
    members = Photo.select(Photo.id).where(Photo.stack_id.in_(list(stacks))) if stacks else []
    return set(tiles) | {photo.id for photo in members}


def recognised(ids: dict[str, int]) -> dict[str, str]:
    return {name: PhotoText.get_by_id(ids[name]).text for name in TRUTH}


def test_most_expected_words_are_read_and_no_text_is_invented(
    library: tuple[Library, dict[str, int]], app: Flask
) -> None:
    _, ids = library
    with app.app_context():
        texts = recognised(ids)
    expected = found_words = 0
    for name, truth in TRUTH.items():
        read = set(words(texts[name]))
        wanted = [w for w in (fold(w) for w in truth["words"]) if len(w) >= 2]
        expected += len(wanted)
        found_words += sum(1 for w in wanted if w in read)
    assert found_words / expected >= 0.75, f"word recall {found_words}/{expected}"
    invented = {name: texts[name] for name in NO_TEXT if len(words(texts[name])) > 2}
    assert len(invented) <= 1, f"text read in pictures without any: {invented}"


def test_a_word_finds_the_picture_and_says_why(
    library: tuple[Library, dict[str, int]], client: FlaskClient
) -> None:
    _, ids = library
    name = of_kind("receipt")[0]
    word = max((w for w in TRUTH[name]["words"] if w.isalpha()), key=len)  # its longest
    hits = found(client, word)
    assert ids[name] in hits
    assert fold(word) in fold(hits[ids[name]]["why"]) and hits[ids[name]]["why"].startswith(
        "Text: "
    )
    assert ids[name] in found(client, fold(word).upper())  # any case, no accents needed
    assert ids[name] in found(client, f'text:"{word}"')
    assert ids[name] not in found(client, f"-{word}")
    # a part of four letters or more finds it; shorter parts find whole words only
    if len(word) >= 6:
        assert ids[name] in found(client, word[1:5])
    assert ids[name] not in found(client, "text:" + fold(word)[:2] + "qz")


def test_text_filter_needs_every_word(
    library: tuple[Library, dict[str, int]], client: FlaskClient
) -> None:
    _, ids = library
    name = of_kind("screenshot")[0]
    first, second = sorted((w for w in TRUTH[name]["words"] if w.isalpha()), key=len)[-2:]
    assert ids[name] in found(client, f'text:"{first} {second}"')
    assert ids[name] not in found(client, f'text:"{first} zzyzxq"')


def test_screenshots_and_documents_are_types(
    library: tuple[Library, dict[str, int]], client: FlaskClient
) -> None:
    _, ids = library
    screenshots = shown(client, "type:screenshot")
    documents = shown(client, "type:document")
    assert {ids[n] for n in of_kind("screenshot")} <= screenshots
    assert {ids[n] for n in of_kind("receipt")} <= documents
    assert not ({ids[n] for n in NO_TEXT} & (screenshots | documents))
    assert shown(client, "screenshots") >= screenshots  # the plain word


def test_every_judged_screenshot_and_document_is_a_tile_of_its_own(
    library: tuple[Library, dict[str, int]], client: FlaskClient
) -> None:
    """Screenshots of one app hash alike and were stacked as one picture, hiding the
    others; their text tells them apart (a stack would stand for one tile). Photos keep
    the stacker's answer (three signs drawn on one forest photo stay one stack)."""
    _, ids = library
    tiles = found(client, "type:screenshot") | found(client, "type:document")
    assert {ids[n] for n in of_kind("screenshot") + of_kind("receipt")} <= set(tiles)
    typed = [n for n in TRUTH if PhotoText.get_by_id(ids[n]).kind in KINDS]
    stacked = [n for n in typed if Photo.get_by_id(ids[n]).stack_id is not None]
    stacks = [Photo.get_by_id(ids[n]).stack_id for n in stacked]
    assert len(stacks) == len(set(stacks)), f"screenshots or documents stacked: {stacked}"


def test_the_text_gives_labels_the_classifier_cannot(
    library: tuple[Library, dict[str, int]], client: FlaskClient, app: Flask
) -> None:
    """Imported with the real classifier, then read: a screenshot is labelled so and keeps
    no ImageNet guess; a receipt is a receipt and a document, not a "menu"; a photo without
    text keeps its labels; re-classifying and a family's removal do not undo any of it."""
    _, ids = library

    def labels_of(name: str) -> set[str]:
        detail = client.get(f"/api/v1/photos/{ids[name]}").json
        return {label["name"] for label in detail["labels"]}

    for name in of_kind("screenshot"):
        assert labels_of(name) == {"screenshot"}, name
    for name in of_kind("receipt"):
        assert {"receipt", "document"} <= labels_of(name), name
        assert not labels_of(name) & PAPER_AND_SCREEN, name
    assert "coffee" in labels_of("notext-coffee.jpg")
    assert not any(labels_of(name) & TEXT_LABELS for name in NO_TEXT)
    assert {ids[n] for n in of_kind("receipt")} <= shown(client, "label:receipt")
    name = of_kind("receipt")[0]
    with app.app_context():
        store_labels(ids[name], [Label("menu", 0.46, ("text",)), Label("envelope", 0.3)])
    assert "menu" not in labels_of(name) and {"receipt", "document"} <= labels_of(name)
    with app.app_context():
        remove_label(ids[name], "document")
        photo_text.store(ids[name], PhotoText.get_by_id(ids[name]).text, "test", kind="document")
    assert "document" not in labels_of(name) and "receipt" in labels_of(name)


def test_the_viewer_and_the_export_say_the_text(
    library: tuple[Library, dict[str, int]], client: FlaskClient, app: Flask
) -> None:
    lib, ids = library
    name = of_kind("sign")[0]
    detail = client.get(f"/api/v1/photos/{ids[name]}").json
    assert detail["text"] and set(words(detail["text"])) & {fold(w) for w in TRUTH[name]["words"]}
    page = client.get(f"/photo/{ids[name]}").text
    assert "Text in the picture" in page and 'id="photo-text"' in page
    blank = client.get(f"/api/v1/photos/{ids[NO_TEXT[0]]}").json
    assert blank["text"] == "" and "photo-text" not in client.get(f"/photo/{ids[NO_TEXT[0]]}").text
    with app.app_context():
        exported = {row["id"]: row for row in iter_export(lib.originals)}
    assert exported[ids[name]]["text"] == detail["text"]
    assert all(isinstance(row["text"], str) for row in exported.values())


def test_the_timeline_leaves_screenshots_out_when_asked(
    library: tuple[Library, dict[str, int]], client: FlaskClient, app: Flask
) -> None:
    _, ids = library
    shots = {ids[n] for n in of_kind("screenshot")}
    assert shots <= shown(client, "")  # shown by default
    answer = client.patch(
        "/api/v1/settings",
        json={"timeline_hides_screenshots": True},
        headers={"X-CSRF-Token": token(client)},
    )
    assert answer.status_code == 200 and answer.json["timeline_hides_screenshots"] is True
    try:
        assert not shots & shown(client, "")
        assert shots <= shown(client, "type:screenshot")  # search still finds them
    finally:
        with app.app_context():
            app_settings.set_hides_screenshots(app_settings.TIMELINE_HIDES_SCREENSHOTS, False)


def test_a_broken_rendition_is_recorded_and_the_run_goes_on(
    library: tuple[Library, dict[str, int]], app: Flask, tmp_path: Path
) -> None:
    lib, ids = library
    broken, missing, fine = of_kind("sign")[0], NO_TEXT[0], of_kind("receipt")[0]
    with app.app_context():
        reader = TextBackground(lib.cache)
        for name in (broken, missing, fine):
            PhotoText.delete().where(PhotoText.photo == ids[name]).execute()
        photo_of = {name: PhotoText.photo.rel_model.get_by_id(ids[name]) for name in ids}
        viewer = reader.thumbs.path(photo_of[broken].primary_sha256, "viewer")
        kept = viewer.read_bytes()
        viewer.write_bytes(kept[: len(kept) // 3])  # cut by a power failure
        gone = reader.thumbs.path(photo_of[missing].primary_sha256, "viewer")
        gone.rename(tmp_path / "gone.jpg")
        try:
            from appliance.catalog.photo_text import ToRead

            for name in (broken, missing, fine):
                photo = photo_of[name]
                reader._read_one(ToRead(photo.id, photo.primary_sha256, photo.kind))
        finally:
            reader.close()
            viewer.write_bytes(kept)
            (tmp_path / "gone.jpg").rename(gone)
        rows = {name: PhotoText.get_by_id(ids[name]) for name in (broken, missing, fine)}
    assert rows[missing].text == "" and rows[missing].error is None
    assert rows[fine].text and rows[fine].error is None
    # a cut JPEG is recorded with its reason; the photos after it were still read
    assert rows[broken].text == "" and "truncated" in rows[broken].error


def test_a_photo_that_lost_its_reading_is_read_again(
    library: tuple[Library, dict[str, int]], app: Flask
) -> None:
    """A photo below the highest one read (its picture changed: a Live Photo's still after
    its movie) is found by the reader's walk for gaps and read again."""
    lib, ids = library
    name = of_kind("sign")[1]
    with app.app_context():
        before = PhotoText.get_by_id(ids[name]).text
        photo_text.forget(ids[name])
        assert photo_text.backlog() == []  # not above the highest id read
        reader = TextBackground(lib.cache)
        try:
            assert reader.run_some(budget=30) == 1
            assert reader.run_some(budget=30) == 0  # walked: not again before the hour
        finally:
            reader.close()
        assert PhotoText.get_by_id(ids[name]).text == before
