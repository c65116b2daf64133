"""Faces and people, search and sharing in Debian's headless Chromium, at desktop
(1280x800) and phone (390x844) sizes (issue 14, items 5-7). Screenshots go to
test-artifacts/family-<size>-<screen>.png."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browsers import ARTIFACTS, SIZES, chromium, require_chromium, serve
from web_fixtures import PASSWORD, Built

from appliance.catalog.models import Face
from appliance.catalog.people import remove_face
from appliance.catalog.users import create_user
from appliance.web import create_app

sync_api = require_chromium()
TWO = "faces/face_recognition/two_people.jpg"
OBAMA = "faces/face_recognition/obama.jpg"
CHELSEA = "misc/skimage/chelsea.jpg"


@pytest.fixture
def server(web: Built) -> Iterator[str]:
    app = create_app(web.settings, web.library)
    create_user("mum", PASSWORD, "admin")
    with serve(app) as url:
        yield url


@pytest.fixture(params=sorted(SIZES))
def page(request: pytest.FixtureRequest, server: str) -> Iterator[tuple[object, str]]:
    with chromium(sync_api) as browser:
        context = browser.new_context(viewport=SIZES[request.param])
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server + "/login")
        page.fill("input[name=username]", "mum")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        sync_api.expect(page.locator(".tile").first).to_be_visible()
        yield page, request.param
        assert not errors, errors


def shot(page: object, size: str, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"family-{size}-{name}.png"))


def loaded(img: object) -> bool:
    return img.evaluate("i => i.complete && i.naturalWidth > 0")


def test_faces_and_people(page: tuple[object, str], server: str, web: Built) -> None:
    page, size = page
    expect = sync_api.expect
    # the viewer's people panel: one crop per face, each a real image
    page.goto(f"{server}/photo/{web.photo_ids[TWO]}")
    crops = page.locator("#people-panel img")
    expect(crops).to_have_count(Face.select().where(Face.photo == web.photo_ids[TWO]).count())
    for i in range(crops.count()):
        crops.nth(i).scroll_into_view_if_needed()
        expect(crops.nth(i)).to_be_visible()
        page.wait_for_function(
            "i => i.complete && i.naturalWidth > 0", arg=crops.nth(i).element_handle()
        )
    shot(page, size, "viewer-people")
    # every name is shown whole, at phone width too (it wraps, never "Unnamed · a…")
    names = page.locator("#people-panel .facepick span")
    for i in range(names.count()):
        width = names.nth(i).evaluate("s => [s.scrollWidth, s.clientWidth, s.textContent]")
        assert width[0] <= width[1], f"{size}: {width[2]!r} is cut ({width[0]} > {width[1]} px)"
    # naming the unnamed face: the dialog shows the face and the existing names
    unnamed = page.locator("#people-panel [data-face-name][data-name='']").first
    unnamed.scroll_into_view_if_needed()
    unnamed.click()
    dialog = page.locator("dialog.name-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-choice='Joe Biden']")).to_be_visible()
    assert loaded(dialog.locator("img.name-face"))
    shot(page, size, "name-dialog")
    dialog.locator("input[name=name]").fill("Barack Obama")
    dialog.locator("button[type=submit]").click()
    expect(page.locator("#people-panel")).to_contain_text("Barack Obama")

    # faces of nobody: take one out, then name it with clustering's suggestion
    face = Face.get((Face.photo == web.photo_ids[OBAMA]) & Face.person.is_null(False))
    remove_face(face.id)
    Face.update(assignment=None).where(Face.id == face.id).execute()
    from appliance.catalog.models import FaceRejection

    FaceRejection.delete().where(FaceRejection.face == face.id).execute()
    page.goto(server + "/people")
    expect(page.locator("img.face").first).to_be_visible()
    expect(page.locator("#unknown-faces-link")).to_contain_text("(1)")
    shot(page, size, "people")
    page.click("#unknown-faces-link")
    card = page.locator(f"[data-unknown-face='{face.id}']")
    expect(card).to_be_visible()
    expect(card.locator(".suggest-yes")).to_have_text("Barack Obama?")
    shot(page, size, "faces-of-nobody")
    card.locator(".suggest-yes").click()
    expect(card).to_have_count(0)
    assert Face.get_by_id(face.id).person.name == "Barack Obama"

    # a person's page: merge with previews, cover choice
    biden = web.biden_id
    page.goto(f"{server}/people/{biden}")
    page.click("[data-people-merge]")
    merge = page.locator("#merge-dialog")
    expect(merge).to_be_visible()
    expect(merge.locator("img").first).to_be_visible()
    expect(merge).not_to_contain_text("Unnamed #")
    shot(page, size, "merge")
    merge.locator("[data-close-dialog]").click()
    page.click("[data-people-cover]")
    cover = page.locator("dialog.cover-dialog [data-cover-face]")
    expect(cover).to_have_count(2)
    chosen = cover.nth(1).get_attribute("data-cover-face")
    cover.nth(1).click()
    expect(page.locator("#toast")).to_contain_text("Cover chosen")
    from appliance.catalog.models import Person

    assert str(Person.get_by_id(biden).cover_face_id) == chosen
    # merging, chosen by face: "Barack Obama" joins Joe Biden (a test of the mechanics).
    # The question shows both faces (no browser confirm()), and the merge can be undone.
    page.on("dialog", lambda d: pytest.fail(f"a browser dialog: {d.message}"))
    obama = Person.get(Person.name == "Barack Obama")
    obama_faces = {f.id for f in Face.select().where(Face.person == obama.id)}
    page.click("[data-people-merge]")
    page.locator("#merge-dialog [data-merge-from]").first.click()
    question = page.locator("dialog.merge-confirm")
    expect(question).to_contain_text("Are they the same person?")
    pair = question.locator(".merge-face img")
    expect(pair).to_have_count(2)
    for i in range(2):
        page.wait_for_function(
            "i => i.complete && i.naturalWidth > 0", arg=pair.nth(i).element_handle()
        )
    expect(question).to_contain_text("Joe Biden")
    expect(question).to_contain_text("Barack Obama")
    shot(page, size, "merge-confirm")
    question.locator("[data-merge-yes]").click()
    expect(page.locator("#toast")).to_contain_text("Merged Barack Obama into Joe Biden.")
    expect(page.locator("[data-people-merge]")).to_have_count(0)  # nobody left to merge
    assert Person.get_or_none(Person.name == "Barack Obama") is None
    page.locator("#toast .toast-undo").click()
    expect(page.locator("#toast")).to_contain_text("Merge undone")
    expect(page.locator("[data-people-merge]")).to_have_count(1)
    back = Person.get(Person.name == "Barack Obama")
    assert {f.id for f in Face.select().where(Face.person == back.id)} == obama_faces
    assert Person.get_by_id(biden).name == "Joe Biden"


def test_faces_that_look_alike_are_named_together(
    page: tuple[object, str], server: str, web: Built
) -> None:
    page, size = page
    expect = sync_api.expect
    obama_faces = [f.id for f in Face.select().where(Face.person == web.obama_id)]
    Face.update(person=None, assignment="pending").where(Face.id.in_(obama_faces)).execute()
    page.goto(server + "/people/unknown")
    group = page.locator(".unknown-group")
    expect(group).to_have_count(1)
    expect(group.locator("h2")).to_have_text("The same person? 2 faces")
    crops = group.locator(".unknown-crop img")
    expect(crops).to_have_count(2)
    for i in range(2):
        page.wait_for_function(
            "i => i.complete && i.naturalWidth > 0", arg=crops.nth(i).element_handle()
        )
    shot(page, size, "faces-group")
    group.locator("[data-group-name]").click()
    dialog = page.locator("dialog.name-dialog")
    dialog.locator("input[name=name]").fill("Barack Obama")
    dialog.locator("button[type=submit]").click()
    expect(page.locator("#toast")).to_contain_text("2 faces named Barack Obama")
    expect(page.locator(".unknown-group")).to_have_count(0)
    named = {Face.get_by_id(i).person.name for i in obama_faces}
    assert named == {"Barack Obama"}


def test_search_suggestions_counts_and_tips(
    page: tuple[object, str], server: str, web: Built
) -> None:
    page, size = page
    expect = sync_api.expect
    box = page.locator('.searchbox input[name="q"]')
    box.fill("jo")
    suggestion = page.locator("#search-suggestions li", has_text="Joe Biden")
    expect(suggestion).to_be_visible()
    shot(page, size, "search-suggest")
    box.press("ArrowDown")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=person%3A%22Joe"))
    expect(page.locator("#result-count")).to_have_text("2 photos")
    expect(page.locator(".tile")).to_have_count(2)
    page.goto(server + "/search?q=" + "label%3Acat+OR+label%3Acar")
    expect(page.locator("#result-count")).not_to_have_text("0 photos")
    # the page says what it searched for in words, never in the filter language
    page.goto(server + "/search?q=2023")
    expect(page.locator("h1")).to_have_text("In 2023")
    page.goto(server + "/search?q=place%3AIT")
    expect(page.locator("h1")).to_have_text("In Italy")
    expect(page.locator("#result-count")).to_have_text("2 photos")
    page.goto(server + "/search?q=bidenn")
    tips = page.locator("#search-tips")
    expect(tips).to_be_visible()
    expect(tips).to_contain_text("Joe Biden")
    shot(page, size, "search-empty")


def test_share_with_password_and_download(
    page: tuple[object, str], server: str, web: Built
) -> None:
    page, size = page
    expect = sync_api.expect
    page.goto(server + "/settings")
    page.fill("#share-base-url", "https://photos.example.org")
    page.locator("#share-base-form button[type=submit]").click()
    expect(page.locator("#toast")).to_contain_text("Saved")
    album = page.evaluate(
        """async (ids) => {
            const csrf = document.querySelector('meta[name="csrf-token"]').content;
            const headers = {'Content-Type': 'application/json', 'X-CSRF-Token': csrf};
            const body = JSON.stringify({title: 'Holiday', photo_ids: ids});
            const r = await fetch('/api/v1/albums', {method: 'POST', headers, body});
            return (await r.json()).id;
        }""",
        [web.photo_ids[CHELSEA], web.photo_ids[TWO]],
    )
    page.goto(f"{server}/albums/{album}")
    page.click("[data-action='share-album']")
    dialog = page.locator("dialog.share-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#share-password").fill("tarte tatin")
    dialog.locator("#share-download").check()
    shot(page, size, "share-dialog")
    dialog.locator("button[type=submit]").click()
    ready = dialog.locator("#share-url")
    expect(ready).to_have_value(re.compile(r"^https://photos\.example\.org/s/"))
    expect(dialog.locator("#share-home-only")).to_be_hidden()  # the public address is set
    shot(page, size, "share-ready")
    dialog.locator("button[type=submit]").click()
    link = page.locator("#shares input[aria-label='Share link']").first
    expect(link).to_have_value(re.compile(r"^https://photos\.example\.org/s/"))
    expect(page.locator("#shares")).to_contain_text("password")
    shot(page, size, "album-shared")
    path = link.input_value().removeprefix("https://photos.example.org")

    visitor = page.context.browser.new_context(viewport=page.viewport_size)
    guest = visitor.new_page()
    guest.goto(server + path)
    expect(guest.locator("h1")).to_contain_text("needs a password")
    shot(guest, size, "share-locked")
    guest.fill("#share-password", "tarte tatin")
    guest.click("button[type=submit]")
    expect(guest.locator(".tile")).to_have_count(2)
    expect(guest.locator("#share-download")).to_be_visible()
    expect(guest.locator(".tile .fav, .tile [aria-pressed='true']")).to_have_count(0)
    shot(guest, size, "share-visitor")
    with guest.expect_download() as download:
        guest.click("#share-download")
    assert download.value.suggested_filename == "Holiday.zip"
    with guest.expect_download() as download:
        guest.click("#share-download-jpeg")
    assert download.value.suggested_filename == "Holiday (JPEG).zip"
    # one photo: open it, "Save this photo" downloads it as a JPEG
    guest.locator(".tile").first.click()
    save = guest.locator("#lightbox .lb-save")
    expect(save).to_be_visible()
    box = save.bounding_box()
    assert box["height"] >= 44, box
    shot(guest, size, "share-visitor-photo")
    with guest.expect_download() as download:
        save.click()
    assert download.value.suggested_filename.endswith(".jpg")
    visitor.close()
