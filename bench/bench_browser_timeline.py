"""The timeline on a cheap phone: a 100,000-photo library in phone-sized Chromium (390x844,
touch) with its CPU throttled 4x (Chrome DevTools' CPU throttling), served by waitress as
the service serves it.

Each run signs in, then opens the timeline cold and measures: first contentful paint, the
first thumbnail on screen, the bytes of JavaScript and CSS the page loaded; scrolls through
a year of photos the way a thumb does (a flick every 120 ms) and counts the long tasks
(main thread busy > 50 ms) and their time while it scrolls; then opens a photo (a tap on a
tile until the viewer page shows it, timed from the tap's event in the page; the app's
own files as the browser kept them from signing in).

The variants of one run, alternating: ``current`` (this tree); ``experiment`` (with
``--experiment``: the same UI with one change injected as a style sheet, ``EXPERIMENT_CSS``,
so a change is measured before it is made; the first, months far off screen skipped with
``content-visibility: auto``, was rejected: BENCHMARKS.md); ``baseline`` (with ``--baseline
REV``: Shoebox at git revision REV, checked out in a worktree and served by a process of
its own from a catalogue its own code generated, for before-and-after figures).

The catalogue is `bench/synthetic_catalog.py`'s (cached in /tmp/shoebox-bench-web-N like
bench_web.py's); the thumbnails of the newest photos are one real grid and viewer JPEG
linked under every one's name (each is still its own request and decode).

    .venv/bin/python bench/bench_browser_timeline.py [--photos 100000] [--runs 3]
        [--throttle 4] [--experiment] [--baseline REV]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# the tree whose Shoebox is served: this one, or a baseline's worktree (--serve-baseline)
ROOT = Path(os.environ.get("SHOEBOX_BENCH_TREE") or Path(__file__).resolve().parents[1])
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
    here = Path(__file__).resolve().parents[1]
    corpus = here.parent / "shared" / "corpus" / "misc" / "skimage" / "chelsea.jpg"
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
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})  # the app's files: kept
    page.evaluate(  # the tap as the page sees it (not the driver's checks before it)
        "() => addEventListener('click', (e) => sessionStorage.setItem('bench.tap',"
        " performance.timeOrigin + e.timeStamp), true)"
    )
    tile.click()
    page.wait_for_url("**/photo/**")
    shown = page.wait_for_function(
        "() => { const i = document.querySelector('#main-img');"
        " return i && i.complete && i.naturalWidth > 0"
        " && performance.timeOrigin + performance.now(); }"
    ).json_value()
    open_ms = shown - float(page.evaluate("() => sessionStorage.getItem('bench.tap')"))
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


def library_app(root: Path, photos: int) -> Any:
    """The web app of a synthetic library at ``root`` made by this tree's Shoebox."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        seconds = pool.apply(prepare, (root, photos))
    print(f"catalogue: {photos} photos in {root}", end="", file=sys.stderr)
    print(f" (generated in {seconds:.0f} s)" if seconds else " (cached)", file=sys.stderr)
    link_thumbnails(root)

    from appliance.catalog.models import User
    from appliance.catalog.users import create_user
    from appliance.config import Settings
    from appliance.library import Library
    from appliance.web import create_app

    app = create_app(Settings(library=root, setup_file=root / "none"), Library(root))
    if not User.select().where(User.username == USER).exists():
        create_user(USER, PASSWORD, "admin")
    return app


def serve_baseline(root: Path, photos: int) -> None:
    """(In the baseline's process) serve its library as the service does; print the URL,
    stop when stdin closes."""
    import socket
    import threading

    from waitress.server import create_server

    from appliance.daemon import WEB_THREADS

    app = library_app(root, photos)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = create_server(app, host="127.0.0.1", port=port, threads=WEB_THREADS)
    threading.Thread(target=server.run, daemon=True).start()
    print(f"http://127.0.0.1:{port}", flush=True)
    sys.stdin.read()


@contextmanager
def baseline_server(rev: str, photos: int) -> Iterator[tuple[str, int]]:
    """Shoebox at ``rev`` in a worktree, serving its own library from a process of its own;
    yields its URL and pid."""
    here = Path(__file__).resolve().parents[1]
    full = subprocess.run(
        ["git", "-C", str(here), "rev-parse", "--short=12", rev],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    tree = Path(f"/tmp/shoebox-bench-tree-{full}")
    if not tree.exists():
        subprocess.run(
            ["git", "-C", str(here), "worktree", "add", "--detach", str(tree), full], check=True
        )
    root = Path(f"/tmp/shoebox-bench-web-{photos}-{full}")
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve-baseline", str(root), "--photos", str(photos)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "SHOEBOX_BENCH_TREE": str(tree), "PYTHONPATH": str(tree)},
    )  # fmt: skip
    try:
        url = ""
        while proc.stdout and not url.startswith("http"):
            url = proc.stdout.readline().strip() or "none"
            if url == "none" and proc.poll() is not None:
                break
        if not url.startswith("http"):
            raise SystemExit(f"the baseline {full} did not start")
        print(f"baseline: Shoebox {full} from {tree}", file=sys.stderr)
        yield url, proc.pid
    finally:
        if proc.stdin:
            proc.stdin.close()
        proc.wait(timeout=30)


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--throttle", type=float, default=4.0)
    parser.add_argument("--experiment", action="store_true", help="measure EXPERIMENT_CSS too")
    parser.add_argument("--baseline", metavar="REV", help="measure Shoebox at REV too")
    parser.add_argument("--serve-baseline", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_baseline:
        serve_baseline(args.serve_baseline, args.photos)
        return 0
    app = library_app(Path(f"/tmp/shoebox-bench-web-{args.photos}"), args.photos)

    from browsers import CHROMIUM, chromium, serve
    from playwright import sync_api

    variants = ["current"] + ["experiment"] * args.experiment + ["baseline"] * bool(args.baseline)
    results: dict[str, list[dict[str, float]]] = {v: [] for v in variants}
    print(f"Chromium {CHROMIUM}, 390x844 touch, CPU throttled {args.throttle:g}x, {args.runs} runs")
    with (
        serve(app) as server,
        chromium(sync_api) as browser,
        baseline_server(args.baseline, args.photos) if args.baseline else _nothing() as baseline,
    ):
        urls = {"current": server, "experiment": server}
        if baseline:
            urls["baseline"] = baseline[0]
        for variant in variants:  # warm each server and the OS cache
            measure(browser, urls[variant], args.throttle, variant == "experiment")
        for _ in range(args.runs):
            for variant in variants:
                results[variant].append(
                    measure(browser, urls[variant], args.throttle, variant == "experiment")
                )
        baseline_rss = peak_rss_mb(baseline[1]) if baseline else 0.0
    print(f"{'median of ' + str(args.runs) + ' runs':42}" + "".join(f" {v:>10}" for v in variants))
    for name in results["current"][0]:
        medians = [statistics.median(r[name] for r in results[v]) for v in variants]
        print(f"{name:42}" + "".join(f" {m:10.1f}" for m in medians))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"server process (this one, with the driver) peak RSS: {rss:.0f} MB")
    if baseline:
        print(f"baseline server process peak RSS: {baseline_rss:.0f} MB")
    return 0


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    sys.exit(main())
