"""Text in pictures in Debian's headless Chromium at desktop and phone sizes: a search by a
word printed on a receipt shows the tile with the line that says it, and the viewer shows
the text, selectable and with its Copy button. Screenshots: test-artifacts/text-*.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browsers import ARTIFACTS, SIZES, require_chromium, serve, signed_in_page
from text_fixtures import TRUTH, of_kind
from web_fixtures import PASSWORD

from appliance.catalog.users import create_user
from appliance.config import Settings
from appliance.library import Library
from appliance.web import create_app

sync_api = require_chromium()


@pytest.fixture(scope="module")
def server(text_library: tuple[Library, dict[str, int]]) -> Iterator[str]:
    library, _ = text_library
    app = create_app(Settings(library=library.root, setup_file=library.root / "x.toml"), library)
    with app.app_context():
        create_user("reader", PASSWORD, "admin")
    with serve(app) as url:
        yield url


@pytest.mark.parametrize("size", list(SIZES))
def test_a_receipt_is_found_by_its_words_and_its_text_can_be_copied(
    browser: object, server: str, size: str, text_library: tuple[Library, dict[str, int]]
) -> None:
    _, ids = text_library
    receipt = of_kind("receipt")[0]
    word = max((w for w in TRUTH[receipt]["words"] if w.isalpha()), key=len)
    page = signed_in_page(
        browser, server, size, "reader", permissions=["clipboard-read", "clipboard-write"]
    )
    page.goto(f"{server}/search?q={word.lower()}")
    tile = page.locator(f'.tile[data-id="{ids[receipt]}"]')
    tile.wait_for()
    why = tile.locator(".why")
    assert why.is_visible() and word.lower() in why.inner_text().lower()
    assert word.lower() in tile.get_attribute("aria-label").lower()  # said to screen readers
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"text-search-{size}.png"))
    page.goto(f"{server}/photo/{ids[receipt]}")
    text = page.locator("#photo-text")
    if not text.is_visible():  # the phone shows the details on demand
        page.click("[data-action=info]")
    text.wait_for()
    assert word in text.inner_text()
    page.click("[data-action=copy-text]")
    page.locator(".toast, #toast").filter(has_text="copied").first.wait_for(timeout=5000)
    assert word in page.evaluate("navigator.clipboard.readText()")
    page.screenshot(path=str(ARTIFACTS / f"text-viewer-{size}.png"))
    assert not page.errors
