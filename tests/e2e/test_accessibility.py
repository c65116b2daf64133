"""Pages a grandparent and a keyboard can use: at phone size every control on every page
is at least 44 px tall (Apple's and WCAG 2.5.5's target) and no text is smaller than 14 px;
axe finds nothing serious on any page, signed in, at both sizes, in both themes; the first
Tab skips the header; arrow keys move between tiles."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browsers import (
    ARTIFACTS,
    SIZES,
    chromium,
    require_chromium,
    serious_axe_violations,
    serve,
    signed_in_page,
)
from web_fixtures import PASSWORD, TWO, Built

from appliance.catalog.users import create_user
from appliance.web import create_app

sync_api = require_chromium()

PAGES = {
    "timeline": "/",
    "viewer": "/photo/{two}",
    "search": "/search?q=obama",
    "people": "/people",
    "person": "/people/{biden}",
    "faces to name": "/people/unknown",
    "things": "/labels",
    "places": "/places",
    "map": "/map",
    "albums": "/albums",
    "favourites": "/favorites",
    "archive": "/archive",
    "recently added": "/recent",
    "trash": "/trash",
    "duplicates": "/duplicates",
    "best shots": "/best",
    "phones": "/phones",
    "status": "/status",
    "settings": "/settings",
}

SMALL = """() => {
  const out = [];
  const seen = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  for (const el of document.querySelectorAll(
      'button, a[href], input:not([type=hidden]), select, textarea, summary, [role=button]')) {
    if (!seen(el) || el.closest('[hidden], .leaflet-control-attribution')) continue;
    const r = el.getBoundingClientRect();
    // a link inside a sentence is exempt (WCAG 2.5.8's inline exception); the viewer's
    // details (Set the place…, change) are actions, not sentences
    const inline = el.tagName === 'A' && el.closest('p, li, td') && !el.className;
    if (r.height < 43.5 && !inline)
      out.push(`${el.tagName.toLowerCase()}.${el.className || ''} "${(el.textContent ||
        el.getAttribute('aria-label') || '').trim().slice(0, 30)}" ${Math.round(r.height)}px`);
  }
  for (const el of document.querySelectorAll('body *')) {
    if (!seen(el) || el.children.length || !el.textContent.trim()) continue;
    if (el.closest('.leaflet-control-attribution')) continue;  // the map's credits line
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 14) out.push(`text ${el.tagName.toLowerCase()}.${el.className || ''} "${
      el.textContent.trim().slice(0, 30)}" ${size}px`);
  }
  return out;
}"""


@pytest.fixture
def server(web: Built) -> Iterator[str]:
    app = create_app(web.settings, web.library)
    create_user("mum", PASSWORD, "admin")
    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium(sync_api) as browser:
        yield browser


def _signed_in(browser: object, server: str, size: str, **extra: object) -> object:
    return signed_in_page(browser, server, size, "mum", **extra)


def test_every_control_is_big_enough_at_phone_size(
    server: str, browser: object, web: Built
) -> None:
    page = _signed_in(browser, server, "phone")
    found = {}
    for name, path in PAGES.items():
        page.goto(server + path.format(two=web.photo_ids[TWO], biden=web.biden_id))
        page.wait_for_load_state("networkidle")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"tap-{name.replace(' ', '-')}-phone.png"))
        small = page.evaluate(SMALL)
        if small:
            found[name] = small
    page.context.close()
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_axe_on_every_page_in_both_themes(
    server: str, browser: object, web: Built, size: str, theme: str
) -> None:
    """axe-core (vendored) on every page a signed-in admin can open: nothing serious or
    critical, at both sizes and in both themes."""
    page = _signed_in(browser, server, size, color_scheme=theme, bypass_csp=True)
    found = {}
    for name, path in PAGES.items():
        page.goto(server + path.format(two=web.photo_ids[TWO], biden=web.biden_id))
        page.wait_for_load_state("networkidle")
        bad = serious_axe_violations(page)
        if bad:
            found[name] = bad
    page.context.close()
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


@pytest.mark.parametrize("size", list(SIZES))
def test_the_first_tab_skips_the_header(server: str, browser: object, size: str) -> None:
    """A keyboard reaches the photos in three keys, not forty: Tab shows "Skip to the
    content", Enter goes there, the next Tab is inside the page."""
    page = _signed_in(browser, server, size)
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    sync_api.expect(skip).to_be_focused()
    sync_api.expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    inside = page.evaluate("document.querySelector('main').contains(document.activeElement)")
    assert inside, page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
    page.context.close()


def test_arrow_keys_move_between_tiles(server: str, browser: object) -> None:
    """On the timeline (desktop: rows of tiles) the arrows move the focus like on a photo
    grid, and Enter opens the focused photo."""
    page = _signed_in(browser, server, "desktop")
    tiles = page.locator(".tile")
    sync_api.expect(tiles.nth(3)).to_be_visible()
    tiles.first.focus()
    ids = tiles.evaluate_all("ts => ts.map(t => t.dataset.id)")
    focused = "document.activeElement.dataset.id"
    page.keyboard.press("ArrowRight")
    assert page.evaluate(focused) == ids[1]
    page.keyboard.press("ArrowLeft")
    assert page.evaluate(focused) == ids[0]
    page.keyboard.press("ArrowDown")
    below = page.evaluate(focused)
    top = lambda i: tiles.nth(ids.index(i)).bounding_box()["y"]  # noqa: E731
    assert below != ids[0] and top(below) > top(ids[0])
    page.keyboard.press("ArrowUp")
    assert page.evaluate(focused) == ids[0]
    page.keyboard.press("Enter")
    sync_api.expect(page).to_have_url(re.compile(rf"/photo/{ids[0]}\b"))
    page.context.close()


def test_the_viewer_actions_say_what_they_do_at_desktop_size(
    server: str, browser: object, web: Built
) -> None:
    """At 1280x800 every action of the viewer shows its word beside the icon (Archive and
    Download no longer look alike), the words fit on one line, and archiving changes it."""
    page = _signed_in(browser, server, "desktop")
    page.goto(f"{server}/photo/{web.photo_ids[TWO]}")
    buttons = page.locator(".vbar .iconbtn:not([data-action=back])")
    words = [t.strip() for t in buttons.all_inner_texts()]
    assert len(words) >= 7
    for word in ("Favourite", "Archive", "Download", "Trash", "Face boxes", "Details"):
        assert any(word in w for w in words), (word, words)
    bar = page.locator(".vbar").bounding_box()
    tops = {round(b.bounding_box()["y"]) for b in buttons.all()}
    assert len(tops) == 1, f"the actions wrap onto {len(tops)} lines"
    assert all(
        b.bounding_box()["x"] + b.bounding_box()["width"] <= bar["x"] + bar["width"] + 1
        for b in buttons.all()
    )
    page.screenshot(path=str(ARTIFACTS / "viewer-actions-desktop.png"))
    archive = page.locator(".vbar [data-action=archive]")
    archive.click()
    sync_api.expect(archive).to_contain_text("Unarchive")
    archive.click()
    sync_api.expect(archive).to_have_text(re.compile(r"^\s*Archive\s*$"))
    page.context.close()
