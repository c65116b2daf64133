"""Server time of the web UI's timeline and search on a synthetic catalogue (real schema).

Times the Flask app in-process (test client: routing, session, SQL, JSON) for the timeline
(first and a deep keyset page), word, label, person, place, combined and ``near:`` searches,
and searches of the text in pictures (a common and a rare word, a part of a word, ``text:``
with two words, ``type:screenshot``/``document``, text combined with other terms).
Beside each search, the same run times the baseline: the same query without the search
indexes (every photo row tested while walking the timeline, `search_photos(...,
use_indexes=False)`, SQL only), and the deep page with OFFSET. Prints p50/p95 per case and
the RSS of this process, which serves the app (target: p95 < 50 ms, RSS < 150 MB).

SQLite (default): the catalogue is generated once per size (`bench/synthetic_catalog.py`)
and cached in /tmp/shoebox-bench-web-N between runs. ``--backend postgresql``: a throwaway
PostgreSQL cluster (tests/pg_server.py, gone at the end) gets the same distribution from
`bench/synthetic_catalog_pg.py` every run, and the app serves it through ``catalog_url``.

    .venv/bin/python bench/bench_web.py [--photos 1000000] [--runs 30] [--keep DIR]
        [--backend sqlite|postgresql] [--shared-buffers 1GB]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_catalog import prepare, rare_word  # noqa: E402
from synthetic_catalog_pg import prepare_pg  # noqa: E402

CASES = [
    ("timeline, first page", None),
    ("timeline, page 800 (keyset)", "deep"),
    ("word: kitty (synonym of the label cat)", "kitty"),
    ("word: canon (camera)", "canon"),
    ("word: lyon (the home town)", "lyon"),
    ("word: 0424242 (part of a file name)", "0424242"),
    ("word: jonas (part of a person's name)", "jonas"),
    ("label:dog", "label:dog"),
    ("label:thing150 (rare)", "label:thing150"),
    ('person:"Anna A." (family)', 'person:"Anna A."'),
    ('person:"Jonas C." (rare)', 'person:"Jonas C."'),
    ("place:kyoto", "place:kyoto"),
    ("place:fr", "place:fr"),
    (
        "combined: car year:2015 camera:canon -favorite:yes",
        "car year:2015 camera:canon -favorite:yes",
    ),
    ('combined: person:"Anna A." place:kyoto', 'person:"Anna A." place:kyoto'),
    ("near:45.76,4.84,2 (home)", "near:45.76,4.84,2"),
    ("near:35.01,135.77,5 (Kyoto)", "near:35.01,135.77,5"),
    ("near:45,5,50 type:heic", "near:45,5,50 type:heic"),
]
# the text in pictures (`synthetic_catalog.text_of`: the same texts on both backends);
# {rare} is a made-up name a handful of texts say
TEXT_CASES = [
    ("text: total (common: on every receipt)", "total"),
    ("text: {rare} (rare)", "{rare}"),
    ("text: ange (part of orange, change, boulangerie)", "ange"),
    ('text:"wifi password"', 'text:"wifi password"'),
    ("type:screenshot", "type:screenshot"),
    ("type:document", "type:document"),
    ("combined: text:total year:2019", "text:total year:2019"),
    ("combined: receipt garage", "receipt garage"),
]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    call()  # warm the page cache
    values = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        values.append((time.perf_counter() - t0) * 1000)
    return statistics.median(values), pct(values, 95)


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB."""
    current = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1]) / 1024
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--keep", type=Path, help="SQLite: the library to reuse/keep (default: /tmp)"
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--shared-buffers", default="1GB", help="PostgreSQL's shared_buffers")
    args = parser.parse_args()
    if args.backend == "sqlite":
        root = args.keep or Path(f"/tmp/shoebox-bench-web-{args.photos}")
        return bench(args, root, "")
    from tests.pg_server import PostgresServer

    # a server for a million photos keeps its catalogue in memory (the photo table is ~0.7
    # GB); the test clusters' 32 MB would measure reads from the OS cache instead
    server = PostgresServer(shared_buffers=args.shared_buffers).start()
    try:
        with tempfile.TemporaryDirectory(prefix="shoebox-bench-web-pg-") as library:
            return bench(args, Path(library), server.new_database("bench"))
    finally:
        server.stop()


def bench(args: argparse.Namespace, root: Path, catalog_url: str) -> int:
    """Generate (or reuse) the catalogue, then time the cases through the app."""
    # generating and migrating run in a child process, so this one's RSS is the web's only
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        if catalog_url:
            seconds = pool.apply(prepare_pg, (catalog_url, args.photos))
        else:
            seconds = pool.apply(prepare, (root, args.photos))
    where = catalog_url.split("?")[0] if catalog_url else root
    print(f"catalogue: {args.photos} photos in {where}", end="")
    print(f" (generated in {seconds:.0f} s)" if seconds else " (cached)")

    from appliance.catalog import memories
    from appliance.catalog.models import Photo, User
    from appliance.catalog.queries import PHOTO_COLUMNS, encode_cursor, search_photos
    from appliance.catalog.users import create_user
    from appliance.config import Settings
    from appliance.library import Library
    from appliance.search.query import parse_query
    from appliance.search.synonyms import labels_for
    from appliance.web import create_app

    settings = Settings(library=root, setup_file=root / "none", catalog_url=catalog_url)
    app = create_app(settings, Library(root, catalog_url))
    if not User.select().where(User.username == "bench").exists():
        create_user("bench", "bench password", "admin")
    client = app.test_client()
    token = client.get("/login").text.split('name="csrf-token" content="')[1].split('"')[0]
    client.post(
        "/login", data={"username": "bench", "password": "bench password", "csrf_token": token}
    )
    deep_offset = min(48_000, args.photos // 2)
    deep = (
        Photo.select(*PHOTO_COLUMNS)
        .where((Photo.status == "ok") & (Photo.archived == False))  # noqa: E712
        .order_by(Photo.sort_time.desc(), Photo.id.desc())
        .offset(deep_offset)
        .first()
    )
    cursor = encode_cursor(deep.sort_time, deep.id)

    def get(url: str) -> Callable[[], object]:
        def call() -> object:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.text[:200])
            return response

        return call

    def scan(text: str) -> Callable[[], object]:
        query = parse_query(text)
        return lambda: search_photos(query, labels_for=labels_for, use_indexes=False)

    base_runs = max(3, args.runs // 5)
    print(f"{'case':56} {'p50 ms':>7} {'p95 ms':>7} {'scan p50':>9} {'scan p95':>9}")
    worst = 0.0
    p50, p95 = timed(get("/api/v1/openapi.json"), args.runs)
    print(f"{'baseline: trivial JSON (openapi)':56} {p50:7.1f} {p95:7.1f}")
    rare = rare_word(args.photos)
    cases = CASES + [(n.format(rare=rare), q.format(rare=rare)) for n, q in TEXT_CASES]
    for name, q in cases:
        if q is None:
            url, baseline = "/api/v1/photos", None
        elif q == "deep":
            url, baseline = f"/api/v1/photos?cursor={cursor}", None
        else:
            url, baseline = f"/api/v1/photos?q={urllib.parse.quote(q)}", scan(q)
        p50, p95 = timed(get(url), args.runs)
        worst = max(worst, p95)
        line = f"{name:56} {p50:7.1f} {p95:7.1f}"
        if baseline:
            b50, b95 = timed(baseline, base_runs)
            line += f" {b50:9.1f} {b95:9.1f}"
        print(line, flush=True)
    p50, p95 = timed(get("/"), args.runs)
    worst = max(worst, p95)
    print(f"{'timeline HTML page':56} {p50:7.1f} {p95:7.1f}")
    today = dt.date.today()  # the page's memories, kept until the catalogue changes: uncached
    b50, b95 = timed(lambda: memories._earlier_years(today, 0, memories.PER_YEAR), base_runs)
    print(
        f"{'baseline: on this day uncached (SQL + Python)':56} {'':7} {'':7} {b50:9.1f} {b95:9.1f}"
    )

    def offset_page() -> object:
        return list(
            Photo.select(*PHOTO_COLUMNS)
            .where((Photo.status == "ok") & (Photo.archived == False))  # noqa: E712
            .order_by(Photo.sort_time.desc(), Photo.id.desc())
            .offset(deep_offset)
            .limit(61)
        )

    b50, b95 = timed(offset_page, base_runs)
    print(f"{'baseline: page 800 with OFFSET (SQL only)':56} {'':7} {'':7} {b50:9.1f} {b95:9.1f}")
    current, peak = rss_mb()
    print(f"web process RSS {current:.0f} MB, peak {peak:.0f} MB (target < 150 MB)")
    print(f"worst p95 {worst:.1f} ms (target < 50 ms): {'OK' if worst < 50 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
