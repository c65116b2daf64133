"""The photo editor in Debian's headless Chromium at phone and desktop sizes (issue 26):
open a photo, turn it, crop it square, brighten it, save; the viewer shows the edit and the
original is untouched; Revert brings the photo back. axe on the open editor; screenshots
test-artifacts/family-editor-*.png."""

from __future__ import annotations

import hashlib

import pytest
from browsers import (
    ARTIFACTS,
    SIZES,
    require_chromium,
    serious_axe_violations,
    signed_in_page,
)
from web_fixtures import Built

from appliance.catalog import photo_edits
from appliance.catalog.models import File, Photo

sync_api = require_chromium()
CHELSEA = "misc/skimage/chelsea.jpg"  # 451 x 300


def _natural_size(page: object) -> tuple[int, int]:
    page.wait_for_function("() => document.querySelector('#main-img').naturalWidth > 0")
    return tuple(page.evaluate("() => { const i = document.querySelector('#main-img');"
                               " return [i.naturalWidth, i.naturalHeight]; }"))  # fmt: skip


@pytest.mark.parametrize("size", list(SIZES))
def test_edit_a_photo_and_revert_it(server: str, browser: object, web: Built, size: str) -> None:
    expect = sync_api.expect
    photo = web.photo_ids[CHELSEA]
    file = File.get((File.photo == photo) & (File.role == "original"))
    original = web.library.originals / file.stored_path
    before = hashlib.sha256(original.read_bytes()).hexdigest()
    page = signed_in_page(browser, server, size, "mum", bypass_csp=True)
    page.goto(f"{server}/photo/{photo}")
    width, height = _natural_size(page)
    assert width > height

    page.click("[data-editor-open]")
    dialog = page.locator("#editor")
    expect(dialog).to_be_visible()
    page.wait_for_function("() => document.querySelector('#editor-canvas').width > 1")
    dialog.locator("[data-turn='90']").click()
    dialog.locator("select[name=ratio]").select_option("1")
    dialog.locator("input[name=exposure]").fill("0.5")
    canvas = page.evaluate("() => [document.querySelector('#editor-canvas').width,"
                           " document.querySelector('#editor-canvas').height]")  # fmt: skip
    assert canvas[0] == canvas[1], f"the preview is not square: {canvas}"
    bad = serious_axe_violations(page)
    assert not bad, f"the editor: {bad}"
    page.screenshot(path=str(ARTIFACTS / f"family-editor-{size}.png"))
    dialog.locator("[data-editor-save]").click()
    expect(page.locator("#toast")).to_contain_text("Edit saved")

    recipe = photo_edits.parse(Photo.get_by_id(photo).edits)
    assert recipe["rotate"] == 90 and recipe["exposure"] == 0.5
    crop = recipe["crop"]
    shown = photo_edits.shown_size(
        Photo.get_by_id(photo).width, Photo.get_by_id(photo).height, recipe
    )
    assert abs(shown[0] - shown[1]) <= 2, (crop, shown)
    w, h = _natural_size(page)
    assert abs(w - h) <= 2, "the viewer shows the square edit"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"family-editor-saved-{size}.png"))

    page.click("[data-editor-open]")
    page.locator("#editor [data-editor-revert]").click()
    expect(page.locator("#toast")).to_contain_text("Back to the original")
    assert Photo.get_by_id(photo).edits is None
    assert _natural_size(page) == (width, height)
    assert hashlib.sha256(original.read_bytes()).hexdigest() == before
    assert not page.errors, page.errors
    page.context.close()
