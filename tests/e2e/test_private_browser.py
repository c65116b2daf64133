"""Private photos in Debian's headless Chromium at phone and desktop sizes (issue 26): a
member makes a photo of theirs private from the viewer; an admin no longer finds it; the
member opens Private with their password, sees it there, and puts it back. axe on the two
new pages; screenshots test-artifacts/family-private-*.png."""

from __future__ import annotations

import pytest
from browsers import (
    ARTIFACTS,
    SIZES,
    require_chromium,
    serious_axe_violations,
    signed_in_page,
)
from web_fixtures import PASSWORD, TWO, Built

from appliance.catalog.models import Photo, User

sync_api = require_chromium()


def _shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"family-private-{name}.png"))


def _tile_ids(page: object) -> set[int]:
    page.locator(".tile").first.wait_for()
    return {int(i) for i in page.locator(".tile").evaluate_all("ts => ts.map(t => t.dataset.id)")}


@pytest.mark.parametrize("size", list(SIZES))
def test_a_member_keeps_a_photo_private_and_puts_it_back(
    server: str, browser: object, web: Built, size: str
) -> None:
    expect = sync_api.expect
    photo = web.photo_ids[TWO]
    kid = User.get(User.username == "kid")
    Photo.update(owner_id=kid.id).where(Photo.id == photo).execute()  # as if kid's phone sent it
    page = signed_in_page(browser, server, size, "kid", bypass_csp=True)
    assert photo in _tile_ids(page)

    page.goto(f"{server}/photo/{photo}")
    page.click("[data-action=private]")
    expect(page.locator("#toast")).to_contain_text("Moved to Private")
    assert Photo.get_by_id(photo).private is True

    mum = signed_in_page(browser, server, size, "mum")
    assert photo not in _tile_ids(mum)
    assert mum.goto(f"{server}/photo/{photo}").status == 404
    mum.context.close()

    page.goto(f"{server}/private")
    expect(page.locator("h1")).to_have_text("Private")
    expect(page.locator("main")).to_contain_text("You keep 1 photo here.")
    bad = serious_axe_violations(page)
    assert not bad, f"the locked page: {bad}"
    _shot(page, f"locked-{size}")
    page.fill("input[name=password]", PASSWORD)
    page.click(".private-lock button[type=submit]")
    assert _tile_ids(page) == {photo}
    expect(page.locator("[data-private-lock]")).to_be_visible()
    bad = serious_axe_violations(page)
    assert not bad, f"Private: {bad}"
    _shot(page, size)

    page.goto(f"{server}/photo/{photo}")
    expect(page.locator("[data-action=private]")).to_have_attribute("aria-pressed", "true")
    page.click("[data-action=private]")
    page.wait_for_url(f"{server}/private")
    expect(page.locator("#toast")).to_contain_text("Back with the family")
    assert Photo.get_by_id(photo).private is False
    page.goto(server + "/")
    assert photo in _tile_ids(page)
    assert not page.errors, page.errors
    page.context.close()
