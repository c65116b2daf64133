"""End to end in Debian's headless Chromium (never downloaded): the family's main paths.

Runs the real app under waitress on a free port; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browsers import ARTIFACTS, chromium, require_chromium, serve
from web_fixtures import PASSWORD, Built

from appliance.web import create_app

sync_api = require_chromium()


@pytest.fixture
def server(web: Built) -> Iterator[str]:
    app = create_app(web.settings, web.library)
    with serve(app) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[object]:
    with chromium(sync_api) as browser:
        yield browser


def shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_family_paths(server: str, browser: object, web: Built) -> None:
    expect = sync_api.expect
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    # first run: setup creates the admin and signs in
    page.goto(server + "/")
    expect(page).to_have_url(re.compile(r"/setup$"))
    shot(page, "01-setup")
    page.fill("input[name=username]", "mum")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".tile").first).to_be_visible()

    # sign out and in again
    page.click(".usermenu summary")
    page.click("text=Sign out")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.fill("input[name=username]", "mum")
    page.fill("input[name=password]", PASSWORD)
    shot(page, "02-login")
    page.click("button[type=submit]")

    # timeline: month groups, thumbnails load, scrolling pages in more (5 per page here)
    page.goto(server + "/?limit=5")
    expect(page.locator(".tile img.ready").first).to_be_visible()
    expect(page.locator(".month").first).to_be_visible()
    # scroll down as a person does until the end (how many pages one scroll brings depends
    # on the page's height: a memory card on top, on some days, makes it taller)
    for _ in range(20):
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        if page.locator(".tile").count() == len(web.photo_ids):
            break
        page.wait_for_timeout(250)
    expect(page.locator(".tile")).to_have_count(len(web.photo_ids))
    for card in page.locator(".memory .strip").all():  # a memory is a strip, never a poster
        box = card.bounding_box()
        assert box["height"] <= box["width"] / 3 + 1, box
    assert len([u for u in requests if "/api/v1/photos?" in u and "cursor=" in u]) >= 2
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_function("() => window.scrollY === 0")  # back at the top for the shot
    expect(page.locator(".tile img.ready").first).to_be_in_viewport()
    shot(page, "03-timeline")

    # open a photo, step with the keyboard
    page.locator(".tile").first.click()
    expect(page.locator("#main-img")).to_be_visible()
    page.wait_for_load_state()  # the viewer's keys listen from DOMContentLoaded on
    first_url = page.url
    page.keyboard.press("ArrowRight")
    expect(page).not_to_have_url(first_url)
    shot(page, "04-viewer")

    # search in plain words: "kitty" finds the cats
    page.goto(server + "/")
    page.fill("input[name=q]", "kitty")
    page.press("input[name=q]", "Enter")
    expect(page.locator(".tile")).to_have_count(2)
    expect(page.locator(".tile img.ready")).to_have_count(2)
    shot(page, "05-search-kitty")

    # name a person by clicking a face in the viewer
    page.goto(server + f"/photo/{web.photo_ids['faces/face_recognition/obama.jpg']}")
    page.locator(".panel [data-face-name]").first.click()
    page.fill("dialog input", "Barack Obama")
    page.click("dialog button[type=submit]")
    expect(page.locator("#people-panel")).to_contain_text("Barack Obama")
    page.goto(server + "/people")
    expect(page.locator(".personlink")).to_contain_text(["Barack Obama", "Joe Biden"])
    shot(page, "06-people")
    page.goto(server + "/labels")
    shot(page, "07-things")

    # make an album from a selection, share it, open the link logged out
    page.goto(server + "/search?q=cat")
    page.click("text=Select")
    page.locator(".tile").nth(0).click()
    page.locator(".tile").nth(1).click()
    expect(page.locator("#selcount")).to_have_text("2 selected")
    page.click("text=+ Album")
    page.locator("dialog select").select_option("new")
    page.click("dialog button[type=submit]")
    page.fill("dialog input", "Our cats")
    page.click("dialog button[type=submit]")
    expect(page.locator("h1")).to_have_text("Our cats")
    expect(page.locator(".tile")).to_have_count(2)
    page.click("button[data-action=share-album]")
    page.click("dialog button[type=submit]")
    # the link is shown whole, with Copy, and a word that 127.0.0.1 works only at home
    ready = page.locator("dialog.share-dialog")
    expect(ready.locator("#share-url")).to_have_value(re.compile(r"/s/[A-Za-z0-9_-]{40,}$"))
    expect(ready.locator("[data-copy]")).to_be_visible()
    expect(ready.locator("#share-home-only")).to_be_visible()
    shot(page, "08-share-ready")
    ready.locator("button[type=submit]").click()
    link = page.locator(".share input").first
    expect(link).to_have_value(re.compile(r"/s/[A-Za-z0-9_-]{40,}$"))
    share_url = link.input_value()
    shot(page, "08-album")
    page.goto(server + "/albums")
    shot(page, "09-albums")

    guest = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    gpage = guest.new_page()
    gpage.goto(share_url)
    expect(gpage.locator("h1")).to_have_text("Our cats")
    expect(gpage.locator(".tile img.ready")).to_have_count(2)
    shot(gpage, "10-share-phone")
    gpage.locator(".tile").first.click()
    expect(gpage.locator("#lightbox img")).to_be_visible()
    gpage.goto(server + "/")
    expect(gpage).to_have_url(re.compile(r"/login"))
    guest.close()

    # the same app on a phone
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        storage_state=context.storage_state(),
    )
    ppage = phone.new_page()
    ppage.goto(server + "/")
    expect(ppage.locator(".tile img.ready").first).to_be_visible()
    shot(ppage, "11-timeline-phone")
    ppage.goto(server + f"/photo/{web.photo_ids['faces/face_recognition/two_people.jpg']}")
    expect(ppage.locator("#main-img")).to_be_visible()
    shot(ppage, "12-viewer-phone")
    ppage.goto(server + "/status")
    shot(ppage, "13-status-phone")
    page.goto(server + "/settings")
    shot(page, "14-settings")
    phone.close()
    context.close()
    assert errors == []
