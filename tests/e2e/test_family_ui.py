"""The family UI in Debian's headless Chromium at desktop (1280x800) and phone (390x844)
sizes: phones first (search, navigation, sign out, viewer actions, swipes, face boxes),
upload (button and drop, per-file progress, through the real import queue), the trash,
the timeline (position across the viewer, scrubber, live updates, selection, bulk
actions, zip), polish (dark mode, slideshow, names) and axe-core on the main pages.
Screenshots go to test-artifacts/family-*.png."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from browsers import (
    ARTIFACTS,
    SIZES,
    require_chromium,
    serious_axe_violations,
    signed_in_page,
)
from web_fixtures import BIDEN, OBAMA, TWO, Built

from appliance.catalog import queue as job_queue
from appliance.catalog.models import Album, Face, Job, Person, Photo, User
from appliance.ingest import jobs
from appliance.ingest.runner import Ingestor

sync_api = require_chromium()


def shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"family-{name}.png"))


def open_page(browser: object, server: str, size: str, user: str = "mum", **extra: object):
    return signed_in_page(browser, server, size, user, accept_downloads=True, **extra)


def in_viewport(page: object, selector: str) -> None:
    """Visible, inside the window, and the topmost element at its centre (not covered)."""
    locator = page.locator(selector).first
    sync_api.expect(locator).to_be_visible()
    box = locator.bounding_box()
    view = page.viewport_size
    assert box and box["x"] >= 0 and box["y"] >= 0, (selector, box)
    assert box["x"] + box["width"] <= view["width"] + 1, (selector, box)
    assert box["y"] + box["height"] <= view["height"] + 1, (selector, box)
    hit = locator.evaluate(
        """(el, [x, y]) => { const top = document.elementFromPoint(x, y);
           return !!top && (el.contains(top) || top.contains(el)); }""",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert hit, f"{selector} is covered by another element"


def swipe(page: object, selector: str, dx: float, dy: float) -> None:
    """A one-finger swipe as touch events (Playwright only taps)."""
    page.evaluate(
        """([sel, dx, dy]) => {
          const el = document.querySelector(sel); const r = el.getBoundingClientRect();
          const x = r.left + r.width / 2, y = r.top + r.height / 3;
          const t = (cx, cy) =>
            new Touch({identifier: 1, target: el, clientX: cx, clientY: cy});
          const start = t(x, y), end = t(x + dx, y + dy);
          el.dispatchEvent(new TouchEvent('touchstart',
            {touches: [start], changedTouches: [start], bubbles: true}));
          el.dispatchEvent(new TouchEvent('touchend',
            {touches: [], changedTouches: [end], bubbles: true}));
        }""",
        [selector, dx, dy],
    )


def run_import_queue(web: Built) -> None:
    """What the service's main loop does with due jobs: one batch through the pipeline."""
    with Ingestor(web.settings, web.library) as ingestor:
        jobs.execute(ingestor, job_queue.claim_due(50), lambda _uuid: True)


def axe_check(page: object, name: str) -> None:
    """Inject the vendored axe-core; fail on any serious or critical violation."""
    bad = serious_axe_violations(page)
    assert not bad, f"{name}: {bad}"


@pytest.mark.parametrize("size", list(SIZES))
def test_phones_first_navigation_search_and_sign_out(
    server: str, browser: object, size: str
) -> None:
    expect = sync_api.expect
    page = open_page(browser, server, size)
    in_viewport(page, ".searchbox input")
    in_viewport(page, ".usermenu summary")
    in_viewport(page, "[data-upload]")
    # five tabs in words fit a phone at 14 px; Favourites is then in the menu
    tabs = ["Photos", "People", "Things", "Places", "Albums"]
    for label in tabs if size == "phone" else [*tabs, "Favourites"]:
        in_viewport(page, f".mainnav a:has-text('{label}')")
    search = page.locator(".searchbox input").bounding_box()
    nav = page.locator(".mainnav").bounding_box()
    apart_x = nav["x"] >= search["x"] + search["width"] or nav["x"] + nav["width"] <= search["x"]
    apart_y = nav["y"] >= search["y"] + search["height"] or nav["y"] + nav["height"] <= search["y"]
    assert apart_x or apart_y, "the navigation covers the search box"
    # every tile has a name a screen reader can say
    names = page.locator(".tile").evaluate_all("ts => ts.map(t => t.getAttribute('aria-label'))")
    assert all(n and re.match(r"(Photo|Video|Live photo), ", n) for n in names), names
    shot(page, f"timeline-{size}")
    page.fill(".searchbox input", "kitty")
    page.press(".searchbox input", "Enter")
    expect(page.locator(".tile")).to_have_count(2)
    page.click(".mainnav a:has-text('People')")
    expect(page).to_have_url(re.compile(r"/people$"))
    shot(page, f"people-{size}")
    page.click(".usermenu summary")
    in_viewport(page, ".usermenu button:has-text('Sign out')")
    if size == "phone":
        in_viewport(page, ".usermenu a:has-text('Favourites')")
    shot(page, f"account-menu-{size}")
    page.click(".usermenu button:has-text('Sign out')")
    expect(page).to_have_url(re.compile(r"/login$"))
    assert not page.errors, page.errors
    page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_viewer_actions_gestures_faces_and_slideshow(
    server: str, browser: object, web: Built, size: str
) -> None:
    expect = sync_api.expect
    page = open_page(browser, server, size)
    two = web.photo_ids[TWO]
    page.goto(server + f"/photo/{two}")
    for selector in (
        "[data-action=back]",
        "[data-action=favorite]",
        "[data-action=archive]",
        "a[aria-label='Download original']",
        "[data-action=trash-photo]",
        "#faces-toggle",
        "#slideshow-start",
        "[data-action=info]",
    ):
        in_viewport(page, selector)
    alt = page.locator("#main-img").get_attribute("alt")
    assert alt.startswith("Photo, 7 July 2022") and "Joe Biden" in alt, alt
    boxes = page.locator(".facebox")
    expect(boxes).to_have_count(2)
    # phones have no hover: the boxes show at once; on a desktop the toggle shows them
    if size == "desktop":
        page.mouse.move(0, 0)
        expect(boxes.first).to_have_css("opacity", "0")
        page.click("#faces-toggle")
    expect(boxes.first).to_have_css("opacity", "1")
    expect(page.locator("#faces-toggle")).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(boxes.first).to_have_css("opacity", "1")  # the choice is remembered
    shot(page, f"viewer-faces-{size}")

    # swipe left: the next older photo; swipe right: back; swipe down: back to the grid
    page.goto(server + "/")
    page.locator(".tile").nth(2).click()
    expect(page).to_have_url(re.compile(r"/photo/\d+"))
    first = page.url
    page.wait_for_load_state()  # the viewer's scripts listen from DOMContentLoaded on
    swipe(page, ".stage", -200, 10)
    expect(page).not_to_have_url(first)
    page.wait_for_load_state()
    swipe(page, ".stage", 200, 10)
    expect(page).to_have_url(first)
    page.wait_for_load_state()
    swipe(page, ".stage", 5, 250)
    expect(page).to_have_url(re.compile(r"/(\?.*)?$"))
    expect(page.locator(".tile").first).to_be_visible()

    # slideshow: the next photo comes by itself, a key stops it
    page.locator(".tile").first.click()
    expect(page).to_have_url(re.compile(r"/photo/\d+"))
    page.wait_for_load_state()  # the slideshow button works from DOMContentLoaded on
    start = page.url
    page.click("#slideshow-start")
    expect(page.locator("body")).to_have_class(re.compile("slideshow"))
    shot(page, f"slideshow-{size}")
    expect(page).not_to_have_url(start, timeout=9000)
    expect(page.locator("body")).to_have_class(re.compile("slideshow"))
    page.wait_for_load_state()  # the next photo's page listens for keys from DOMContentLoaded
    page.keyboard.press("Space")
    expect(page.locator("body")).not_to_have_class(re.compile("slideshow"))
    here = page.url
    page.wait_for_timeout(4500)
    assert page.url == here
    assert not page.errors, page.errors
    page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_timeline_position_scrubber_selection_and_bulk_actions(
    server: str, browser: object, web: Built, size: str
) -> None:
    expect = sync_api.expect
    page = open_page(browser, server, size, user="kid")  # a member: every bulk action
    page.goto(server + "/?limit=3")
    # the scrubber jumps to a year (buttons; on phones the month list)
    if size == "desktop":
        expect(page.locator("#scrubber button").first).to_have_text("2023")
        page.click("#scrubber button:has-text('2022')")
    else:
        page.select_option(".scrub-select", "2022-07")
    header = page.locator(".month[data-month^='2022-07']")
    expect(header).to_be_in_viewport()
    shot(page, f"scrubber-{size}")

    # open a photo far down, step to the next, come back: the grid is where it was
    two = web.photo_ids[TWO]
    before = page.evaluate(
        f"(() => {{ const ts = [...document.querySelectorAll('.tile')];"
        f" return ts[ts.findIndex(t => t.dataset.id === '{two}') - 1].dataset.id; }})()"
    )
    page.locator(f".tile[data-id='{before}']").click()
    expect(page).to_have_url(re.compile(rf"/photo/{before}\b"))
    page.wait_for_load_state()  # the viewer's keys work from DOMContentLoaded on
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(rf"/photo/{two}\b"))
    # Back once the page's scripts run: clicked earlier, the plain link (the server's "/")
    # is followed and the grid of "?limit=3" is not the one left (seen on a loaded box).
    page.wait_for_load_state()
    page.click("[data-action=back]")
    expect(page.locator(f".tile[data-id='{two}']")).to_be_in_viewport()
    # at the photo, not the top: on a desktop the justified rows put the little library
    # on about two screens, so "far down" is less far there
    assert page.evaluate("scrollY") > (300 if size == "phone" else 60)

    # selection: a tile, then shift-click a range; a whole day
    page.goto(server + "/")
    page.click("[data-action=select-mode]")
    tiles = page.locator(".tile")
    tiles.nth(0).click()
    tiles.nth(3).click(modifiers=["Shift"])
    expect(page.locator("#selcount")).to_have_text("4 selected")
    page.click("[data-action=select-mode]:has-text('Done')")
    page.click("[data-action=select-mode]")
    day = page.locator(".day[data-day='2022-07-07'] button")
    day.click()
    expect(page.locator("#selcount")).to_have_text("1 selected")
    tiles.nth(0).click()
    expect(page.locator("#selcount")).to_have_text("2 selected")
    shot(page, f"selection-{size}")
    selected = page.evaluate("[...selected]")

    # download the selection as one zip
    with page.expect_download() as info:
        page.click("[data-action=sel-zip]")
    data = Path(info.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert len(archive.namelist()) == 2 and archive.testzip() is None
    # favourite (anyone may), then archive and delete to the trash: a member may only for
    # photos they added, so the family's photo is refused with the reason and stays
    page.click("[data-action=sel-favorite]")
    expect(page.locator("#toast")).to_contain_text("favourites")
    assert all(Photo.get_by_id(i).favorite for i in selected)
    page.click("[data-action=select-mode]")
    page.locator(f".tile[data-id='{selected[0]}']").click()
    page.click("[data-action=sel-trash]")
    expect(page.locator("#toast")).to_contain_text("0 moved to the trash; 1 not: added by someone")
    assert Photo.get_by_id(selected[0]).trashed_at is None
    page.reload()
    kid = User.get(User.username == "kid")
    Photo.update(owner_id=kid.id).where(Photo.id.in_(selected)).execute()  # as if kid sent them
    page.click("[data-action=select-mode]")
    page.locator(f".tile[data-id='{selected[0]}']").click()
    page.click("[data-action=sel-archive]")
    expect(page.locator(f".tile[data-id='{selected[0]}']")).to_have_count(0)
    page.wait_for_load_state()  # the action reloads the page: its buttons work once loaded
    assert Photo.get_by_id(selected[0]).archived
    page.click("[data-action=select-mode]")
    page.locator(f".tile[data-id='{selected[1]}']").click()
    page.click("[data-action=sel-trash]")
    expect(page.locator(f".tile[data-id='{selected[1]}']")).to_have_count(0)
    page.wait_for_load_state()
    assert Photo.get_by_id(selected[1]).trashed_at is not None
    # add to an album
    page.click("[data-action=select-mode]")
    page.locator(".tile").first.click()
    page.click("[data-action=sel-album]")
    page.locator("dialog select").select_option("new")
    page.click("dialog button[type=submit]")
    page.fill("dialog input", f"Picked {size}")
    page.click("dialog button[type=submit]")
    expect(page.locator("h1")).to_have_text(f"Picked {size}")
    assert not page.errors, page.errors
    page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_upload_button_and_drop_through_the_import(
    server: str, browser: object, web: Built, corpus: Path, tmp_path: Path, size: str
) -> None:
    expect = sync_api.expect
    page = open_page(browser, server, size, user="kid")
    count = page.locator(".tile").count()
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not a photo" * 20)
    page.set_input_files(
        "#upload-input",
        [corpus / "misc/dlib/mmod_cars_test_image2.jpg", corpus / OBAMA, broken],
    )
    rows = page.locator("#uploads li")
    expect(rows).to_have_count(3)
    expect(page.locator("#uploads li[data-state=waiting]")).to_have_count(3)
    expect(page.locator("#uploads progress").first).to_have_attribute("value", "100")
    shot(page, f"upload-waiting-{size}")
    # no service runs in this test: the status strip says so instead of "3 waiting"
    other = page.context.new_page()
    other.goto(server + "/")
    expect(other.locator("#status-strip")).to_contain_text(
        "3 waiting to be imported: the import service is not running"
    )
    other.close()
    run_import_queue(web)
    expect(page.locator("#uploads li[data-state=added]")).to_have_count(1)
    expect(page.locator("#uploads li[data-state=duplicate]")).to_contain_text(
        "already in the library"
    )
    failed = page.locator("#uploads li[data-state=failed]")
    expect(failed).to_contain_text("failed: ")
    expect(failed.locator("a.see")).to_have_count(0)
    # the timeline shows the new photo without a reload (server-sent events)
    expect(page.locator(".tile")).to_have_count(count + 1, timeout=15_000)
    shot(page, f"upload-done-{size}")
    # each photo that came in (or was there already) has a way straight to it
    see = page.locator("#uploads li[data-state=added] a.see")
    expect(see).to_have_text("See it")
    added = Job.get(Job.path.endswith("mmod_cars_test_image2.jpg")).file.photo_id
    expect(see).to_have_attribute("href", f"/photo/{added}")
    # Recently added shows it first, saying who sent it
    recent = page.context.new_page()
    recent.goto(server + "/recent")
    expect(recent.locator(".recent-group h2").first).to_contain_text("Uploaded by kid")
    expect(recent.locator(".recent-group").first.locator(".tile").first).to_have_attribute(
        "href", f"/photo/{added}"
    )
    shot(recent, f"recent-{size}")
    recent.close()

    # drag and drop: a file dropped anywhere on the page is uploaded too
    data = (corpus / "misc/dlib/scream.jpg").read_bytes()
    page.evaluate(
        """(bytes) => {
          const dt = new DataTransfer();
          dt.items.add(new File([new Uint8Array(bytes)], 'scream.jpg', {type: 'image/jpeg'}));
          const fire = (type) => document.body.dispatchEvent(
            new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
          fire('dragenter');
          fire('drop');
        }""",
        list(data),
    )
    expect(rows).to_have_count(4)
    expect(rows.nth(3)).to_have_attribute("data-state", "waiting")
    run_import_queue(web)
    expect(rows.nth(3)).to_have_attribute("data-state", "added")
    assert not page.errors, page.errors
    page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_trash_photos_and_albums_by_the_permission_table(
    server: str, browser: object, web: Built, size: str
) -> None:
    expect = sync_api.expect
    page = open_page(browser, server, size, user="kid")
    photo = web.photo_ids[BIDEN]
    # the family's photos offer a member no bin; one the member added does
    page.goto(server + f"/photo/{photo}")
    expect(page.locator("[data-action=trash-photo]")).to_have_count(0)
    kid = User.get(User.username == "kid")
    Photo.update(owner_id=kid.id).where(Photo.id == photo).execute()  # as if kid uploaded it
    # a member moves a photo they added to the trash from the viewer
    page.goto(server + f"/photo/{photo}")
    page.click("[data-action=trash-photo]")
    expect(page).not_to_have_url(re.compile(rf"/photo/{photo}\b"))
    # and deletes an album of their own (it goes to the trash too)
    page.goto(server + "/albums")
    page.click("[data-action=new-album]")
    page.fill("dialog input", f"Kid's album {size}")
    page.click("dialog button[type=submit]")
    expect(page.locator("h1")).to_have_text(f"Kid's album {size}")
    page.wait_for_load_state()  # its buttons work once the page's scripts ran (seen under load)
    page.click("[data-action=delete-album]")
    page.click("dialog button[type=submit]")
    expect(page).to_have_url(re.compile(r"/albums$"))
    page.click(".usermenu summary")
    page.click(".usermenu a:has-text('Trash')")
    page.wait_for_load_state()
    expect(page.locator(".tile")).to_have_count(1)
    expect(page.locator(".trashed-album")).to_contain_text(f"Kid's album {size}")
    expect(page.locator("[data-action=empty-trash]")).to_have_count(0)  # admins only
    shot(page, f"trash-{size}")
    page.click(".trashed-album [data-action=restore-album]")
    expect(page.locator(".trashed-album")).to_have_count(0)
    page.wait_for_load_state()  # restoring reloads the page
    page.click("[data-action=select-mode]")
    page.locator(".tile").first.click()
    page.click("[data-action=sel-restore]")
    expect(page.locator(".tile")).to_have_count(0)
    assert Photo.get_by_id(photo).trashed_at is None
    assert Album.get_or_none(Album.title == f"Kid's album {size}") is not None
    page.context.close()

    # an admin empties the trash; an album owned by the kid is not the admin's to hide
    admin = open_page(browser, server, size, user="mum")
    admin.goto(server + f"/photo/{web.photo_ids[OBAMA]}")
    admin.click("[data-action=trash-photo]")
    expect(admin).not_to_have_url(re.compile(rf"/photo/{web.photo_ids[OBAMA]}\b"))
    admin.goto(server + "/trash")
    expect(admin.locator(".tile")).to_have_count(1)
    admin.click("[data-action=empty-trash]")
    admin.click("dialog button[type=submit]")
    expect(admin.locator(".tile")).to_have_count(0)
    assert Photo.get_or_none(Photo.id == web.photo_ids[OBAMA]) is None
    admin.context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_dark_mode_follows_the_system_and_the_toggle(
    server: str, browser: object, size: str
) -> None:
    expect = sync_api.expect
    # bypass_csp: only so that axe-core (a test tool) can be injected as a script
    page = open_page(browser, server, size, color_scheme="dark", bypass_csp=True)
    background = "rgb(21, 24, 29)"
    expect(page.locator("body")).to_have_css("background-color", background)
    shot(page, f"dark-timeline-{size}")
    page.click(".usermenu summary")
    toggle = page.locator("[data-theme-toggle]")
    expect(toggle).to_have_text("Theme: automatic")
    toggle.click()  # dark
    toggle.click()  # light
    expect(toggle).to_have_text("Theme: light")
    expect(page.locator("body")).to_have_css("background-color", "rgb(246, 245, 242)")
    page.reload()
    expect(page.locator("body")).to_have_css("background-color", "rgb(246, 245, 242)")
    axe_check(page, "timeline (light chosen)")
    page.emulate_media(color_scheme="light")
    page.click(".usermenu summary")
    page.locator("[data-theme-toggle]").click()  # automatic
    page.locator("[data-theme-toggle]").click()  # dark
    expect(page.locator("body")).to_have_css("background-color", background)
    page.keyboard.press("Escape")
    axe_check(page, "timeline (dark)")
    page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_axe_finds_no_serious_violations(
    server: str, browser: object, web: Built, size: str
) -> None:
    page = open_page(browser, server, size, bypass_csp=True)  # to inject axe-core
    pages = {
        "timeline": "/",
        "viewer": f"/photo/{web.photo_ids[TWO]}",
        "people": "/people",
        "albums": "/albums",
        "trash": "/trash",
        "search": "/search?q=cat",
    }
    for name, path in pages.items():
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        axe_check(page, f"{name} at {size}")
        shot(page, f"axe-{name}-{size}")
    page.goto(server + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focus is not visible"
    page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_delete_with_undo_and_a_trash_that_opens_and_restores(
    server: str, browser: object, web: Built, size: str
) -> None:
    """The viewer's bin moves on to the next photo and says so there, with Undo; in the
    trash a tap opens the photo with Restore; restoring says so; the trash's selection
    offers only what works there; an empty trash says what the trash is."""
    expect = sync_api.expect
    page = open_page(browser, server, size, bypass_csp=True)  # an admin; axe injected
    photo = web.photo_ids[OBAMA]
    page.goto(server + f"/photo/{photo}")
    page.click("[data-action=trash-photo]")
    expect(page).not_to_have_url(re.compile(rf"/photo/{photo}\b"))
    toast = page.locator("#toast")
    expect(toast).to_contain_text("Moved to the trash.")
    shot(page, f"undo-{size}")
    assert Photo.get_by_id(photo).trashed_at is not None
    toast.locator("button.toast-undo").click()
    expect(page).to_have_url(re.compile(rf"/photo/{photo}\b"))
    expect(toast).to_contain_text("Restored")
    assert Photo.get_by_id(photo).trashed_at is None

    # again, and this time restore it from the trash's own viewer
    page.wait_for_load_state()
    page.click("[data-action=trash-photo]")
    expect(toast).to_contain_text("Moved to the trash.")
    page.goto(server + "/trash")
    tile = page.locator(f".tile[data-id='{photo}']")
    tile.click()
    expect(page).to_have_url(re.compile(rf"/trash/photo/{photo}\b"))
    expect(page.locator("h1")).to_have_text("In the trash")
    expect(page.locator("img.trash-photo")).to_be_visible()
    page.wait_for_load_state("networkidle")
    axe_check(page, f"trash viewer at {size}")
    shot(page, f"trash-viewer-{size}")
    page.click("[data-action=restore-photo]")
    expect(page).to_have_url(re.compile(rf"/photo/{photo}\b"))
    expect(toast).to_contain_text("Restored: it is back in the timeline")
    assert Photo.get_by_id(photo).trashed_at is None

    # the trash's selection offers Restore only; an empty trash explains itself
    page.goto(server + "/trash")
    expect(page.locator("#grid-empty")).to_be_visible()
    expect(page.locator("#grid-empty h2")).to_have_text("The trash is empty")
    expect(page.locator("#grid-empty-text")).to_contain_text("deleted for good")
    for action in ("sel-favorite", "sel-album", "sel-trash", "sel-archive"):
        expect(page.locator(f"#selbar [data-action={action}]")).to_have_count(0)
    expect(page.locator("#selbar [data-action=sel-restore]")).to_have_count(1)
    assert not page.errors, page.errors
    page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_batch_edit_and_its_one_undo(server: str, browser: object, web: Built, size: str) -> None:
    """Select two photos, give them a title, a place found by its name and the person they
    show in one edit; the message's Undo puts both back as they were."""
    expect = sync_api.expect
    page = open_page(browser, server, size)
    page.click("[data-action=select-mode]")
    chosen = [web.photo_ids[OBAMA], web.photo_ids[TWO]]

    def state() -> dict:
        photos = {
            p.id: (p.title, p.place_city, p.latitude)
            for p in Photo.select().where(Photo.id.in_(chosen))
        }
        faces = {(f.id, f.person_id) for f in Face.select().where(Face.photo.in_(chosen))}
        return {"photos": photos, "faces": faces}

    before = state()
    for pid in chosen:
        page.locator(f'.tile[data-id="{pid}"]').click()
    page.click("[data-batch-edit]")
    dialog = page.locator("dialog.batch-dialog")
    expect(dialog.locator("h2")).to_have_text("Edit 2 photos")
    dialog.locator("input[name=title]").fill("Summer in Kyoto")
    dialog.locator("input[name=place]").fill("Kyoto")
    dialog.locator(".batch-place-hits button", has_text="Kyoto").first.click()
    dialog.get_by_label("Who is in them").fill("Barack Obama")
    shot(page, f"batch-edit-{size}")
    dialog.locator("button[type=submit]").click()
    expect(page.locator("#toast")).to_contain_text(
        "2 photos changed. Barack Obama named on 2 of them."
    )
    for photo in Photo.select().where(Photo.id.in_(chosen)):
        assert photo.title == "Summer in Kyoto" and photo.place_city == "Kyoto"
    barack = Person.get(Person.name == "Barack Obama")
    assert Face.select().where(Face.person == barack.id).count() == 2
    page.locator("#toast .toast-undo").click()
    expect(page.locator("#toast")).to_contain_text("Undone")
    assert state() == before
    assert not page.errors, page.errors
    page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_timeline_in_justified_rows(
    server: str, browser: object, web: Built, size: str
) -> None:
    """Each tile keeps its photo's shape (a landscape is wider than tall, a portrait taller
    than wide), and months of one photo sit side by side instead of a row each."""
    page = open_page(browser, server, size)
    tiles = page.locator(".tile")
    sync_api.expect(tiles.nth(5)).to_be_visible()
    shapes = tiles.evaluate_all(
        "ts => ts.map(t => { const r = t.getBoundingClientRect();"
        " return [Number(t.dataset.id), r.width, r.height, r.top]; })"
    )
    photos = {p.id: p for p in Photo.select().where(Photo.id.in_([s[0] for s in shapes]))}
    for pid, width, height, _ in shapes:
        p = photos[pid]
        want = min(3, max(0.5, p.width / p.height))
        assert abs(width / height - want) < 0.05 * want, (pid, width, height, want)
        assert height >= 44
    tops = [round(top) for *_, top in shapes]
    assert len(set(tops)) < len(tops), "every month of one photo took a row of its own"
    shot(page, f"justified-{size}")
    page.context.close()
