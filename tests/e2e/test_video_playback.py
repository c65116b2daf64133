"""Videos play in Debian's headless Chromium (never downloaded), on desktop and phone sizes.

A library of the corpus movies is built by the real pipeline (index, then the transcode
queue) and served by the real app under waitress. Playing is proven by ``currentTime``
advancing, not by the element's presence. Debian's Chromium decodes H.264 (it answers
"probably" for avc1 and plays it); the test checks that before relying on it, and the
VP9 WebM and the H.264 transcode of the HEVC Live Photo are played in every case.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browsers import ARTIFACTS, SIZES, chromium, require_chromium, serve, sign_in, sized_page
from ingest_helpers import ingest, quick_settings
from web_fixtures import PASSWORD

from appliance.catalog.db import open_catalog
from appliance.catalog.models import File
from appliance.catalog.users import create_user
from appliance.config import Settings
from appliance.ingest.transcoding import run_pending
from appliance.library import Library
from appliance.media import ffmpeg
from appliance.web import create_app

MOVIES = ("bunny_vp9.webm", "bigbuckbunny.mp4", "IMG_4102.MOV", "IMG_4102.HEIC")

sync_api = require_chromium()
if not ffmpeg.available():
    pytest.skip("ffmpeg is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Iterator[str]:
    root = tmp_path_factory.mktemp("videoweb")
    folder = root / "phone"
    folder.mkdir()
    for name in MOVIES:
        shutil.copy2(corpus / "video" / name, folder / name)
    library = root / "library"
    ingest(quick_settings(library), folder)
    settings = Settings(library=library, setup_file=library / "no-seed.toml", workers=1)
    app = create_app(settings, Library(library))
    open_catalog(Library(library).catalog_path)
    assert run_pending(Library(library)) == (1, 0)  # the HEVC Live Photo movie
    create_user("mum", PASSWORD, "admin")
    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium(sync_api, "--autoplay-policy=no-user-gesture-required") as browser:
        yield browser


def _photo_of(name: str) -> int:
    return File.select().where(File.original_name == name).get().photo_id


def _page(browser: object, server: str, size: str) -> object:
    page = sized_page(browser, size, timeout=15_000)
    sign_in(page, server, "mum", PASSWORD)
    page.wait_for_url(server + "/")
    return page


def _advances(page: object, selector: str) -> float:
    """Wait until the video at ``selector`` has played past 0.5 s; return its currentTime."""
    page.wait_for_function(
        f"() => {{ const v = document.querySelector({selector!r}); "
        "return v && !v.error && v.currentTime > 0.5; }"
    )
    return page.evaluate(f"document.querySelector({selector!r}).currentTime")


def _shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _h264_supported(page: object) -> bool:
    mime = 'video/mp4; codecs="avc1.64001F, mp4a.40.2"'
    answer = page.evaluate(f"document.createElement('video').canPlayType({mime!r})")
    return answer in ("probably", "maybe")


@pytest.mark.parametrize("size", SIZES)
def test_webm_video_plays_in_the_viewer(server: str, browser: object, size: str) -> None:
    page = _page(browser, server, size)
    page.goto(f"{server}/photo/{_photo_of('bunny_vp9.webm')}")
    video = page.locator("#main-video")
    sync_api.expect(video).to_be_visible()
    page.evaluate("document.querySelector('#main-video').muted = true")
    page.evaluate("document.querySelector('#main-video').play()")
    assert _advances(page, "#main-video") > 0.5
    box = video.bounding_box()
    assert box and box["width"] <= SIZES[size]["width"] and box["height"] > 100
    _shot(page, f"video-webm-{size}")
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_h264_mp4_streams_as_it_is(server: str, browser: object, size: str) -> None:
    page = _page(browser, server, size)
    page.goto(f"{server}/photo/{_photo_of('bigbuckbunny.mp4')}")
    if not _h264_supported(page):
        pytest.skip("this Chromium build has no H.264 decoder (no proprietary codecs)")
    page.evaluate("document.querySelector('#main-video').muted = true")
    page.evaluate("document.querySelector('#main-video').play()")
    assert _advances(page, "#main-video") > 0.5
    # seeking works (the stream answers Range requests with 206)
    page.evaluate("document.querySelector('#main-video').currentTime = 4")
    page.wait_for_function("document.querySelector('#main-video').currentTime >= 4")
    _shot(page, f"video-h264-{size}")
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_live_photo_plays_its_transcoded_movie(server: str, browser: object, size: str) -> None:
    """The HEVC movie of the Live Photo plays as its H.264 transcode: hover on a desktop,
    the LIVE badge (or press) on a phone."""
    page = _page(browser, server, size)
    page.goto(f"{server}/photo/{_photo_of('IMG_4102.HEIC')}")
    if not _h264_supported(page):
        pytest.skip("this Chromium build has no H.264 decoder (no proprietary codecs)")
    sync_api.expect(page.locator("#main-img")).to_be_visible()
    sync_api.expect(page.locator("#live-badge")).to_have_text("LIVE")
    if size == "desktop":
        page.hover(".imgwrap")  # the movie then covers the still, inside the same frame
    else:
        page.tap("#live-badge")
    sync_api.expect(page.locator("#motion-video")).to_be_visible()
    assert _advances(page, "#motion-video") > 0.5
    sync_api.expect(page.locator("#motion-video")).to_be_visible()  # still playing, on top
    _shot(page, f"video-live-{size}")
    page.context.close()


def test_timeline_marks_videos_and_live_photos(server: str, browser: object) -> None:
    page = _page(browser, server, "desktop")
    badges = page.locator(".tile .badge.kind")
    sync_api.expect(badges).to_have_count(3)
    texts = sorted(badges.all_inner_texts())
    assert texts == ["LIVE", "▶ 0:03", "▶ 0:05"]
    _shot(page, "video-timeline")
    page.context.close()
