"""The timeline on a cheap phone: a 100,000-photo library in phone-sized Chromium (390x844,
touch) with its CPU throttled 4x (Chrome DevTools' CPU throttling), served by waitress as
the service serves it.

Each run signs in, then opens the timeline cold and measures: first contentful paint, the
first thumbnail on screen, the bytes of JavaScript and CSS the page loaded; scrolls through
a year of photos the way a thumb does (a flick every 120 ms) and counts the long tasks
(main thread busy > 50 ms) and their time while it scrolls; then opens a photo (a tap on a
tile until the viewer page shows it, the app's own files cached as a phone keeps them).

Two variants in the same run, alternating: ``current`` (the UI as it is) and
``experiment`` (the same UI with one change injected as a style sheet, ``EXPERIMENT_CSS``):
a change to the UI is measured here before it is made. The first, months far off screen
skipped with ``content-visibility: auto``, was rejected (BENCHMARKS.md).

The catalogue is `bench/synthetic_catalog.py`'s (cached in /tmp/shoebox-bench-web-N like
bench_web.py's); the thumbnails of the newest photos are one real grid and viewer JPEG
linked under every one's name (each is still its own request and decode).

    .venv/bin/python bench/bench_browser_timeline.py [--photos 100000] [--runs 3]
        [--throttle 4]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT / "tests"))

from synthetic_catalog import prepare  # noqa: E402

USER, PASSWORD = "bench", "bench password"
THUMBED = 8000  # the newest photos get thumbnails: more than a year of the synthetic library
# the experiment: a month far off screen is neither laid out nor painted (its last size kept)
EXPERIMENT_CSS = (
    ".monthgroup { content-visibility: auto; contain-intrinsic-size: auto 360px auto 400px; }"
)
OBSERVE = """
window.__longtasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__longtasks.push(e.duration);
}).observe({ type: "longtask", buffered: true });
"""


def link_thumbnails(root: Path) -> None:
    """One real JPEG per size, hard-linked as the thumbnail of each of the newest photos."""
    from PIL import Image

    from appliance.media.thumbs import ThumbnailCache

    cache = ThumbnailCache(root / "cache")
    corpus = ROOT.parent / "shared" / "corpus" / "misc" / "skimage" / "chelsea.jpg"
    sources = {}
    for size, side in (("grid", 400), ("viewer", 1600)):
        source = root / f"bench-{size}.jpg"
        if not source.exists():
            with Image.open(corpus) as image:
                image.convert("RGB").resize((side, side * 3 // 4)).save(source, quality=80)
        sources[size] = source
    with sqlite3.connect(f"file:{root / 'catalog.db'}?mode=ro", uri=True) as con:
        newest = con.execute(
            "SELECT primary_sha256 FROM photo ORDER BY sort_time DESC, id DESC LIMIT ?",
            (THUMBED,),
        ).fetchall()
    for (sha,) in newest:
        for size, source in sources.items():
            target = cache.path(sha, size)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(source, target)


def measure(browser: Any, server: str, throttle: float, experiment: bool) -> dict[str, float]:
    """One cold visit: open the timeline, scroll through a year, open a photo."""
    from browsers import sign_in

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(120_000)
    page = context.new_page()
    sign_in(page, server, USER, PASSWORD)
    page.locator(".tile").first.wait_for()
    page.goto("about:blank")
    context.add_init_script(OBSERVE)
    if experiment:
        context.add_init_script(
            f"document.addEventListener('DOMContentLoaded', () => {{"
            f" const s = document.createElement('style'); s.textContent = {EXPERIMENT_CSS!r};"
            f" document.head.append(s); }});"
        )
    cdp = context.new_cdp_session(page)
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})  # a cold visit
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    page.goto(server + "/")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.tile img')].some(i => i.complete && i.naturalWidth)"
    )
    first_thumb = page.evaluate(
        "() => Math.min(...performance.getEntriesByType('resource')"
        ".filter(r => r.name.includes('/media/thumb/')).map(r => r.responseEnd))"
    )
    fcp = page.evaluate(
        "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"
    )
    assets = page.evaluate(
        "() => performance.getEntriesByType('resource')"
        ".filter(r => r.initiatorType === 'script' || r.name.endsWith('.css')"
        " || r.initiatorType === 'link')"
        ".reduce((n, r) => n + (r.decodedBodySize || 0), 0)"
    )
    start_month = page.evaluate("() => document.querySelector('.month').dataset.month")
    y, m = (int(v) for v in start_month.split("-"))
    year_ago = f"{y - 1:04d}-{m:02d}"
    page.evaluate("() => { window.__longtasks = []; }")
    t0 = time.perf_counter()
    flicks = 0
    while True:
        page.mouse.wheel(0, 1600)
        flicks += 1
        page.wait_for_timeout(120)
        seen = page.evaluate(
            "() => { const hs = [...document.querySelectorAll('.month')];"
            " const top = hs.filter(h => h.getBoundingClientRect().top < innerHeight);"
            " return top.length ? top[top.length - 1].dataset.month : null; }"
        )
        if (seen and seen <= year_ago) or flicks > 2000:
            break
    scroll_s = time.perf_counter() - t0
    tasks = page.evaluate("() => window.__longtasks")
    tiles = page.evaluate("() => document.querySelectorAll('.tile').length")
    tile = page.locator(".tile").nth(tiles - 5)
    tile.scroll_into_view_if_needed()
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})  # the app's files: loaded
    t1 = time.perf_counter()
    tile.click()
    page.wait_for_url("**/photo/**")
    page.wait_for_function(
        "() => { const i = document.querySelector('#main-img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    open_ms = (time.perf_counter() - t1) * 1000
    context.close()
    return {
        "first contentful paint, ms": fcp or 0.0,
        "first thumbnail, ms": first_thumb,
        "JS + CSS, KiB": assets / 1024,
        "scroll a year, s": scroll_s,
        "tiles on the page after a year": tiles,
        "long tasks (> 50 ms) while scrolling": len(tasks),
        "long-task time while scrolling, ms": sum(tasks),
        "longest task, ms": max(tasks, default=0.0),
        "open a photo, ms": open_ms,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--throttle", type=float, default=4.0)
    args = parser.parse_args()
    root = Path(f"/tmp/shoebox-bench-web-{args.photos}")
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        seconds = pool.apply(prepare, (root, args.photos))
    print(f"catalogue: {args.photos} photos in {root}", end="")
    print(f" (generated in {seconds:.0f} s)" if seconds else " (cached)")
    link_thumbnails(root)

    from browsers import CHROMIUM, chromium, serve
    from playwright import sync_api

    from appliance.catalog.models import User
    from appliance.catalog.users import create_user
    from appliance.config import Settings
    from appliance.library import Library
    from appliance.web import create_app

    settings = Settings(library=root, setup_file=root / "none")
    app = create_app(settings, Library(root))
    if not User.select().where(User.username == USER).exists():
        create_user(USER, PASSWORD, "admin")
    results: dict[str, list[dict[str, float]]] = {"current": [], "experiment": []}
    print(f"Chromium {CHROMIUM}, 390x844 touch, CPU throttled {args.throttle:g}x, {args.runs} runs")
    with serve(app) as server, chromium(sync_api) as browser:
        measure(browser, server, args.throttle, False)  # warm the server and the OS cache
        for _ in range(args.runs):
            for variant in ("current", "experiment"):
                results[variant].append(
                    measure(browser, server, args.throttle, variant == "experiment")
                )
    names = list(results["current"][0])
    print(f"{'median of ' + str(args.runs) + ' runs':42} {'current':>10} {'experiment':>10}")
    for name in names:
        now = statistics.median(r[name] for r in results["current"])
        tried = statistics.median(r[name] for r in results["experiment"])
        print(f"{name:42} {now:10.1f} {tried:10.1f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"server process (this one) peak RSS: {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
