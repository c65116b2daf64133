"""Moments in Debian's headless Chromium at desktop and phone sizes: the memories strip and
stack tiles on the timeline, a stack (choose the cover), the duplicates review (keep one,
the rest to the trash) and the trash (restore). Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browsers import ARTIFACTS, SIZES, chromium, require_chromium, serve
from ingest_helpers import ingest, quick_settings
from moments_helpers import blurred, over_exposed, sharp, write_shot
from web_fixtures import PASSWORD

from appliance.catalog.users import create_user
from appliance.config import Settings
from appliance.library import Library
from appliance.web import create_app

sync_api = require_chromium()


def shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def server(corpus: Path, tmp_path: Path) -> Iterator[str]:
    today = dt.date.today()
    card = tmp_path / "card"
    years_ago = (
        today.replace(year=today.year - 2)
        if (today.month, today.day) != (2, 29)
        else (dt.date(today.year - 4, 2, 29))
    )
    stamp = years_ago.strftime("%Y:%m:%d")
    for second, transform in enumerate((sharp, blurred, over_exposed)):
        write_shot(
            corpus / "misc/skimage/coffee.jpg",
            card / f"burst{second}.jpg",
            f"{stamp} 09:00:0{second}",
            transform,
        )
    write_shot(corpus / "misc/skimage/chelsea.jpg", card / "cat.jpg", f"{stamp} 12:00:00")
    write_shot(corpus / "misc/dlib/giraffe.jpg", card / "giraffe.jpg", "2023:03:03 10:00:00")
    root = tmp_path / "library"
    ingest(quick_settings(root), card, policy="copy")
    settings = Settings(library=root, setup_file=root / "none.toml", workers=1)
    app = create_app(settings, Library(root))
    create_user("mum", PASSWORD, "admin")
    with serve(app) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[object]:
    with chromium(sync_api) as browser:
        yield browser


@pytest.mark.parametrize("size", list(SIZES))
def test_moments_pages(server: str, browser: object, size: str) -> None:
    expect = sync_api.expect
    context = browser.new_context(viewport=SIZES[size], is_mobile=size == "phone")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/login")
    page.fill("input[name=username]", "mum")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")

    # timeline: the burst is one tile with a count; the memories strip shows that day
    page.goto(server + "/")
    expect(page.locator(".tile")).to_have_count(3)
    expect(page.locator(".badge.stack")).to_have_text("❐ 3")
    expect(page.locator("#memories .memory")).to_have_count(1)
    expect(page.locator("#memories .caption")).to_contain_text("2 years ago")
    shot(page, f"moments-timeline-{size}")

    # open the stack from its badge; choose the over-exposed frame as the cover
    page.locator(".badge.stack").click()
    expect(page).to_have_url(re.compile(r"/stacks/\d+$"))
    expect(page.locator(".dupitem")).to_have_count(3)
    expect(page.locator(".dupitem.best")).to_have_count(1)
    shot(page, f"moments-stack-{size}")
    page.locator(".dupitem:not(.best) [data-action=stack-cover]").last.click()
    expect(page.locator(".muted").first).to_contain_text("your choice")

    # duplicates review: keep only the shown photo, the others go to the trash
    page.goto(server + "/duplicates")
    expect(page.locator(".dupgroup").first).to_be_visible()
    shot(page, f"moments-duplicates-{size}")
    # each photo says what to compare by: when, how big, what file
    first = page.locator(".dupgroup").first
    for word in ("Taken", "Size", "File", "Quality"):
        expect(first.locator("dl.compare dt", has_text=word).first).to_be_visible()
    expect(first.locator("dl.compare dd").nth(2)).to_contain_text("JPEG")
    page.locator(".dupitem.best [data-action=keep-only]").click()
    expect(page.locator("dialog")).to_contain_text("move the 2 others to the trash?")
    page.click("dialog button[type=submit]")  # asked first; nothing goes before the answer
    expect(page.locator(".dupitem.gone")).to_have_count(2)

    # the trash lists them; restore one
    page.goto(server + "/trash")
    expect(page.locator(".tile")).to_have_count(2)
    shot(page, f"moments-trash-{size}")
    page.click("[data-action=select-mode]")
    page.locator(".tile").first.click()
    page.click("[data-action=sel-restore]")
    expect(page.locator(".tile")).to_have_count(1)
    page.goto(server + "/best?year=2023")
    expect(page.locator(".tile")).to_have_count(1)
    assert not errors, errors
    context.close()
