"""What the browser tests share: Debian's Chromium and how it is started, the app served
by waitress on a free loopback port, and where screenshots go (test-artifacts/)."""

from __future__ import annotations

import errno
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from waitress import wasyncore
from waitress.server import create_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Headless, and quiet: this machine's network is closed, so no background connections.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def require_chromium() -> Any:
    """Playwright's sync API; skips the calling test module without Playwright or Chromium."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed", allow_module_level=True)
    return sync_api


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve ``app`` with waitress on a free loopback port; yield its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    from appliance.daemon import WEB_THREADS  # as the service serves it

    before = set(threading.enumerate())
    server = create_server(app, host="127.0.0.1", port=port, threads=WEB_THREADS)
    workers = [t for t in threading.enumerate() if t not in before]  # waitress-N threads
    loop = threading.Thread(target=_run_until_closed, args=(server,), daemon=True)
    loop.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        # Stop the whole server, not only its listening socket: waitress's close() leaves
        # the loop thread polling its wake-up pipe's closed descriptor numbers, and the next
        # test's Playwright driver pipe can reuse them: the loop then swallowed the driver's
        # handshake and the next test hung (seen once in a clean-clone run).
        server.task_dispatcher.shutdown(timeout=5)
        wasyncore.close_all(server._map)
        loop.join(timeout=10)
        # shutdown() returns once each worker has left waitress's set, before it has ended:
        # a worker's catalogue connection (thread-local) closes only when the thread ends.
        for worker in workers:
            worker.join(timeout=10)


def _run_until_closed(server: Any) -> None:
    """waitress's loop, ended by closing its sockets (it has no other stop): a select() that
    was waiting on them when they closed raises EBADF, which is that end, not a failure."""
    try:
        server.run()
    except OSError as exc:
        if exc.errno != errno.EBADF:
            raise


@contextmanager
def chromium(sync_api: Any, *extra_args: str) -> Iterator[Any]:
    """Debian's Chromium, started by Playwright with :data:`ARGS` (plus ``extra_args``)."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS + [*extra_args])
        try:
            yield browser
        finally:
            browser.close()


AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


def sized_page(browser: Any, size: str, timeout: float = 10_000, **extra: Any) -> Any:
    """A new page in its own context at ``size`` (a phone: mobile and touch too)."""
    phone = size == "phone"
    context = browser.new_context(viewport=SIZES[size], is_mobile=phone, has_touch=phone, **extra)
    context.set_default_timeout(timeout)
    return context.new_page()


@contextmanager
def family_served(web: Any) -> Iterator[str]:
    """The little library of web_fixtures served, with mum (admin) and kid (member)."""
    from web_fixtures import PASSWORD

    from appliance.catalog.users import create_user
    from appliance.web import create_app

    app = create_app(web.settings, web.library)
    create_user("mum", PASSWORD, "admin")
    create_user("kid", PASSWORD, "member")
    with serve(app) as url:
        yield url


def signed_in_page(browser: Any, server: str, size: str, user: str = "mum", **extra: Any) -> Any:
    """A page at ``size`` signed in as ``user``, once the timeline shows its first tile;
    ``page.errors`` collects the page's script errors."""
    from web_fixtures import PASSWORD

    page = sized_page(browser, size, **extra)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    sign_in(page, server, user, PASSWORD)
    page.locator(".tile").first.wait_for()
    return page


def sign_in(page: Any, server: str, user: str, password: str) -> None:
    """Fill in and send the login form (the caller waits for what it needs next)."""
    page.goto(server + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def serious_axe_violations(page: Any) -> list[dict[str, Any]]:
    """Inject the vendored axe-core into ``page`` (its context needs bypass_csp) and return
    the serious and critical violations, each with up to five nodes."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))"
        ".slice(0, 5)}))"
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]
