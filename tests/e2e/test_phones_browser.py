"""The Phones page in headless Chromium at phone and desktop sizes: a member adds a phone
from the account menu, reads the app password and scans the QR code, sees the phone
listed, revokes it. Screenshots: test-artifacts/phones-*.png (the README's picture)."""

from __future__ import annotations

from typing import Any

import pytest
from browsers import ARTIFACTS, SIZES, chromium, require_chromium
from web_fixtures import PASSWORD

sync_api = require_chromium()


def _open(browser: Any, size: str) -> tuple[Any, Any, list[str]]:
    """A page at phone or desktop size, and the script errors it meets."""
    phone = size == "phone"
    context = browser.new_context(viewport=SIZES[size], is_mobile=phone, has_touch=phone)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_member_adds_and_revokes_a_phone(server: str, size: str) -> None:
    with chromium(sync_api) as browser:
        context, page, errors = _open(browser, size)
        page.goto(server + "/login")
        page.fill("input[name=username]", "kid")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.click(".usermenu summary")
        page.click(".usermenu >> text=Phones")
        sync_api.expect(page.locator("#phone-list")).to_contain_text("No phone backs up yet")

        page.fill("#phone-add-form input[name=name]", "Kid's phone")
        page.click("#phone-add-form button[type=submit]")
        shown = page.locator("#phone-new")
        sync_api.expect(shown).to_be_visible()
        password = page.locator('[data-field="password"]').inner_text()
        assert len(password) >= 24
        sync_api.expect(page.locator('[data-field="webdav"]')).to_contain_text(
            "/remote.php/dav/files/kid/"
        )
        qr = page.locator(".qr svg")
        sync_api.expect(qr).to_be_visible()
        box = qr.bounding_box()
        assert box["width"] >= 150 and box["x"] + box["width"] <= SIZES[size]["width"]
        sync_api.expect(page.locator("#phone-list")).to_contain_text("Kid's phone: no backup yet")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"phones-{size}.png"), full_page=True)

        page.on("dialog", lambda dialog: dialog.accept())
        page.click('button[aria-label="Revoke Kid\'s phone"]')
        sync_api.expect(page.locator("#phone-list")).to_contain_text("No phone backs up yet")
        assert not errors, errors
        context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_nextcloud_apps_browser_sign_in_gives_the_app_an_app_password(
    server: str, size: str
) -> None:
    """Login Flow v2 as the Nextcloud app does it: start, open the login address in the
    browser, sign in, allow, and the app's poll returns an app password for WebDAV."""
    import base64
    import json
    import urllib.error
    import urllib.request

    def post(url: str, data: bytes = b"", headers: dict | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(url, data=data, method="POST", headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as error:
            return error.code, {}

    agent = {"User-Agent": "Mozilla/5.0 (iOS) Nextcloud-iOS/5.5.0"}
    status, flow = post(server + "/index.php/login/v2", headers=agent)
    assert status == 200 and flow["login"].startswith(server)
    poll = f"token={flow['poll']['token']}".encode()
    assert post(flow["poll"]["endpoint"], poll)[0] == 404

    with chromium(sync_api) as browser:
        context, page, errors = _open(browser, size)
        page.goto(flow["login"])  # the app opens this in the phone's browser
        page.fill("input[name=username]", "kid")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        sync_api.expect(page.locator("h1")).to_have_text("Allow a phone to back up?")
        sync_api.expect(page.locator("main")).to_contain_text("Nextcloud-iOS")
        sync_api.expect(page.locator("input[name=name]")).to_have_value("iPhone")
        page.fill("input[name=name]", "Kid's iPhone")
        page.click("text=Allow backup")
        sync_api.expect(page.locator("h1")).to_have_text("Phone added")
        assert not errors, errors
        context.close()

    status, granted = post(flow["poll"]["endpoint"], poll)
    assert status == 200 and granted["loginName"] == "kid" and granted["server"] == server
    assert post(flow["poll"]["endpoint"], poll)[0] == 404  # handed out once
    basic = base64.b64encode(f"kid:{granted['appPassword']}".encode()).decode()
    listing = urllib.request.Request(
        server + "/remote.php/dav/files/kid/",
        method="PROPFIND",
        headers={"Authorization": f"Basic {basic}", "Depth": "1"},
    )
    with urllib.request.urlopen(listing, timeout=10) as answer:
        assert answer.status == 207
