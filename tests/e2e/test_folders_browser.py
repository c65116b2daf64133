"""Folders (issue 26, item 4) in Debian's headless Chromium at phone and desktop sizes: the
menu leads to where the photos came from, a folder opens as a grid of its photos. axe on
the page; screenshots test-artifacts/family-folders-*.png."""

from __future__ import annotations

import pytest
from browsers import (
    ARTIFACTS,
    SIZES,
    require_chromium,
    serious_axe_violations,
    signed_in_page,
)
from web_fixtures import Built

sync_api = require_chromium()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_folders_photos_came_from(server: str, browser: object, web: Built, size: str) -> None:
    expect = sync_api.expect
    page = signed_in_page(browser, server, size, "kid", bypass_csp=True)
    page.locator(".usermenu summary").click()
    page.locator(".usermenu a", has_text="Folders").click()
    expect(page.locator("h1")).to_have_text("Folders")
    row = page.locator(".folder-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"{len(web.photo_ids)} photos")
    bad = serious_axe_violations(page)
    assert not bad, f"folders: {bad}"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"family-folders-{size}.png"))
    row.click()
    expect(page.locator("h1")).to_have_text("import")
    expect(page.locator(".tile")).to_have_count(len(web.photo_ids))
    assert not page.errors, page.errors
    page.context.close()
