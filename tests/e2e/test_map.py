"""The offline map in Debian's headless Chromium with every host but the appliance blocked:
tiles and clustered markers are drawn, a cluster opens its photos, a photo without GPS gets
a place, and the page makes no failed or external request."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from browsers import ARGS, ARTIFACTS, CHROMIUM, require_chromium, serve
from web_fixtures import PASSWORD, Built

from appliance.catalog.users import create_user
from appliance.web import create_app

sync_api = require_chromium()


@pytest.fixture
def server(web: Built) -> Iterator[str]:
    app = create_app(web.settings, web.library)
    create_user("mum", PASSWORD, "admin")
    with serve(app) as url:
        yield url


class Network:
    """Every request the page makes: external ones are aborted and recorded."""

    def __init__(self, context: object, origin: str) -> None:
        self.origin = origin
        self.external: list[str] = []
        self.failed: list[str] = []
        self.requests: list[str] = []
        self.pending: set[object] = set()  # requests sent and not yet finished or failed
        context.route("**/*", self._route)
        context.on("request", self._request)
        context.on("requestfinished", self._request_finished)
        context.on("requestfailed", self._request_failed)
        context.on("response", self._response)

    def in_flight(self) -> list[str]:
        """URLs of the requests still under way (the endless live stream left out)."""
        live = self.origin + "/api/v1/live"
        return [r.url for r in self.pending if not r.url.startswith(live)]

    def _request(self, request: object) -> None:
        self.pending.add(request)

    def _request_finished(self, request: object) -> None:
        self.pending.discard(request)

    def _request_failed(self, request: object) -> None:
        self.pending.discard(request)
        # the timeline's live-update stream never ends by itself: leaving the page cuts it
        cut_stream = request.url.startswith(self.origin + "/api/v1/live") and (
            request.failure == "net::ERR_ABORTED"
        )
        if not cut_stream:
            self.failed.append(f"{request.url} {request.failure}")

    def _route(self, route: object) -> None:
        url = route.request.url
        self.requests.append(url)
        if url.startswith(self.origin + "/") or url.startswith("data:"):
            route.continue_()
        else:
            self.external.append(url)
            route.abort("blockedbyclient")

    def _response(self, response: object) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.url} HTTP {response.status}")


PAGE_SETTLED = (
    "() => [...document.images].every(i => i.complete || i.loading === 'lazy')"
    " && !document.querySelector('#map:not([data-loading=\"0\"])')"
)


def _settle(page: object, net: Network) -> None:
    """Wait until the current page is done (its images in, the map idle, none of its
    requests in flight), so that leaving it cuts no request off."""
    deadline = time.monotonic() + 15
    page.wait_for_function(PAGE_SETTLED)
    while net.in_flight():
        assert time.monotonic() < deadline, f"requests still in flight: {net.in_flight()}"
        page.wait_for_timeout(50)  # lets Playwright deliver the requests' events
        page.wait_for_function(PAGE_SETTLED)


def _go(page: object, net: Network, url: str) -> None:
    """Navigate once the current page is done (:func:`_settle`)."""
    _settle(page, net)
    page.goto(url)


def _sign_in(page: object, server: str) -> None:
    page.goto(server + "/login")
    page.fill("input[name=username]", "mum")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")
    # the timeline's grid is in (its thumbnails requested together, the first one loaded)
    page.wait_for_function("() => document.querySelector('.tile img.ready')")


def _tiles_drawn(page: object) -> int:
    return page.evaluate(
        "() => [...document.querySelectorAll('img.leaflet-tile')]"
        ".filter(i => i.complete && i.naturalWidth === 256).length"
    )


def test_offline_map(server: str, web: Built) -> None:
    expect = sync_api.expect
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.set_default_timeout(15_000)
        net = Network(context, server)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        _sign_in(page, server)

        _go(page, net, server + "/map")
        cluster = page.locator(".photo-cluster")
        expect(cluster).to_have_count(1)  # the two Arezzo photos, clustered by the server
        expect(cluster.first).to_contain_text("2")
        page.wait_for_function(
            "() => document.querySelectorAll('img.leaflet-tile-loaded').length >= 4"
        )
        assert _tiles_drawn(page) >= 4
        expect(page.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap")
        expect(page.locator(".leaflet-control-attribution")).to_contain_text("GeoNames")
        page.screenshot(path=str(ARTIFACTS / "map-desktop.png"))

        # zooming in fetches clusters again and tiles of the new zoom
        api = "/api/v1/map/clusters?"
        with page.expect_response(lambda r: api in r.url and "zoom=3" in r.url) as clusters:
            page.locator(".leaflet-control-zoom-in").click()
        assert clusters.value.ok
        page.wait_for_function(
            "() => [...document.querySelectorAll('img.leaflet-tile-loaded')]"
            ".some(i => new URL(i.src).pathname.startsWith('/tiles/3/'))"
        )

        # a tap on the cluster opens its photos, names the place, and zooms into it past
        # the tiles' last level until the two photos (300 m apart) are two markers
        deep = lambda r: api in r.url and int(r.url.rsplit("zoom=", 1)[1]) > 6  # noqa: E731
        with page.expect_response(deep) as clusters:
            cluster.first.click()
        assert clusters.value.ok
        expect(page.locator("#cluster-grid a img")).to_have_count(2)
        expect(page.locator("#cluster-title")).to_have_text("2 photos · Arezzo")
        expect(page.locator(".photo-cluster")).to_have_count(2)
        page.screenshot(path=str(ARTIFACTS / "map-cluster.png"))

        # a photo without GPS: type a town, save, and it is on the map and has a place
        cat = web.photo_ids["misc/skimage/chelsea.jpg"]
        _go(page, net, f"{server}/map?set={cat}")
        page.fill("#place-name", "Lisbo")
        page.locator("#place-hits button", has_text="Portugal").first.click()
        page.click("#place-save")
        expect(page.locator("#place-chosen")).to_contain_text("Saved: Lisbon")
        page.screenshot(path=str(ARTIFACTS / "map-set-place.png"))

        _go(page, net, server + "/places")
        expect(page.locator(".cardlink")).to_have_count(2)  # Italy and Portugal
        page.screenshot(path=str(ARTIFACTS / "places-desktop.png"))

        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        phone.set_default_timeout(15_000)
        phone_net = Network(phone, server)
        mobile = phone.new_page()
        _sign_in(mobile, server)
        _go(mobile, phone_net, server + "/map")
        expect(mobile.locator(".photo-cluster")).to_have_count(2)  # Arezzo and Lisbon
        mobile.wait_for_function(
            "() => document.querySelectorAll('img.leaflet-tile-loaded').length >= 2"
        )
        mobile.screenshot(path=str(ARTIFACTS / "map-phone.png"))
        _go(mobile, phone_net, server + "/places/IT")
        expect(mobile.locator(".cardlink")).to_have_count(1)
        mobile.screenshot(path=str(ARTIFACTS / "places-phone.png"))
        # closing the browser cuts what its pages still load (a slow run: 9 thumbnails)
        _settle(mobile, phone_net)
        _settle(page, net)
        browser.close()

    assert not errors
    assert net.external == [] and phone_net.external == []
    assert net.failed == [] and phone_net.failed == []
    assert all(u.startswith(server) or u.startswith("data:") for u in net.requests)
