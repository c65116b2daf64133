"""Shoebox on the home screen (issue 26, item 5), in Debian's Chromium at phone and desktop
sizes: the manifest every page links is valid and Chromium finds nothing that stops an
install; with the box out of reach the app says so; a photo shared from Android's share
sheet (the manifest's share_target, taken by the service worker) is uploaded and imported.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from browsers import (
    ARTIFACTS,
    SIZES,
    require_chromium,
    signed_in_page,
    sized_page,
)
from PIL import Image
from web_fixtures import Built

from appliance.catalog import queue as job_queue
from appliance.catalog.models import Job, Photo, User
from appliance.ingest import jobs
from appliance.ingest.runner import Ingestor

sync_api = require_chromium()


def _signed_in(browser: object, server: str, size: str, user: str = "mum") -> object:
    """Signed in, on a page the service worker controls (from the page's next load)."""
    page = signed_in_page(browser, server, size, user)
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    return page


@pytest.mark.parametrize("size", list(SIZES))
def test_the_manifest_is_valid_and_nothing_stops_an_install(
    browser: object, server: str, web: Built, size: str
) -> None:
    stranger = sized_page(browser, size)
    stranger.goto(server + "/login")  # every page links it, the login page too
    href = stranger.locator("link[rel=manifest]").get_attribute("href")
    assert href == "/manifest.webmanifest"
    response = stranger.request.get(server + href)  # a browser fetches it without cookies
    assert response.ok and response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["name"] == "Shoebox" and manifest["short_name"]
    for icon in manifest["icons"]:
        got = stranger.request.get(server + icon["src"])
        assert got.ok and got.headers["content-type"] == "image/png"
        side = int(icon["sizes"].split("x")[0])
        assert Image.open(io.BytesIO(got.body())).size == (side, side)
    assert {i["purpose"] for i in manifest["icons"]} == {"any", "maskable"}
    target = manifest["share_target"]
    assert target["action"] == "/share-target" and target["enctype"] == "multipart/form-data"
    assert target["params"]["files"][0]["name"] == "photos"
    stranger.context.close()

    page = _signed_in(browser, server, size)
    for path in ("/", "/people", f"/photo/{next(iter(web.photo_ids.values()))}", "/settings"):
        page.goto(server + path)
        assert page.locator("link[rel=manifest]").count() == 1, path
    cdp = page.context.new_cdp_session(page)
    parsed = cdp.send("Page.getAppManifest")
    assert parsed["url"].endswith("/manifest.webmanifest") and not parsed["errors"], parsed
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's contexts are incognito ones, where no browser installs an app: that is
    # the one error allowed; anything about the manifest, icons or worker is not
    assert [e for e in errors if e["errorId"] != "in-incognito"] == [], errors
    assert not page.errors, page.errors
    page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_out_of_reach_the_app_says_so(browser: object, server: str, size: str) -> None:
    page = _signed_in(browser, server, size)
    page.context.set_offline(True)
    page.goto(server + "/albums")
    sync_api.expect(page.locator("h1")).to_have_text("Shoebox cannot be reached")
    sync_api.expect(page.locator("main")).to_contain_text("home Wi-Fi")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"app-offline-{size}.png"))
    page.context.close()


def test_a_photo_shared_from_the_phone_is_uploaded(
    browser: object, server: str, web: Built, corpus: Path
) -> None:
    """What Android does when the family picks Shoebox in the share sheet: a multipart POST
    of the files to the manifest's share_target, here from a form in the same browser."""
    page = _signed_in(browser, server, "phone", user="kid")
    data = (corpus / "misc/dlib/scream.jpg").read_bytes()
    page.evaluate(
        """(bytes) => {
          const dt = new DataTransfer();
          dt.items.add(new File([new Uint8Array(bytes)], 'scream.jpg', {type: 'image/jpeg'}));
          const form = Object.assign(document.createElement('form'), {
            method: 'POST', action: '/share-target', enctype: 'multipart/form-data'});
          const input = Object.assign(document.createElement('input'), {type: 'file'});
          input.name = 'photos';
          input.files = dt.files;
          form.append(input);
          document.body.append(form);
          form.submit();
        }""",
        list(data),
    )
    row = page.locator("#uploads li")
    sync_api.expect(row).to_have_count(1)
    sync_api.expect(row).to_contain_text("scream.jpg")
    sync_api.expect(page.locator("#uploads li[data-state=waiting]")).to_have_count(1)
    assert "shared" not in page.url  # a reload does not send it again
    with Ingestor(web.settings, web.library) as ingestor:
        jobs.execute(ingestor, job_queue.claim_due(50), lambda _uuid: True)
    sync_api.expect(page.locator("#uploads li[data-state=added]")).to_have_count(1)
    photo = Job.get(Job.path.endswith("scream.jpg")).file.photo_id
    assert Photo.get_by_id(photo).owner_id == User.get(User.username == "kid").id
    page.screenshot(path=str(ARTIFACTS / "app-shared-phone.png"))
    left = page.evaluate("async () => (await (await caches.open('shoebox-shared')).keys()).length")
    assert left == 0  # the shared file does not stay in the phone's cache
    assert not page.errors, page.errors
    page.context.close()
