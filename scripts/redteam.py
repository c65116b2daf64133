#!/usr/bin/env python3
"""Red-team checks of issue 9, rerunnable by a reviewer: each line says PASS or FAIL.

    .venv/bin/python scripts/redteam.py [--corpus DIR]

It builds throwaway libraries under a temporary folder and tries what a careless user or
an attacker on the LAN would: file names that are not UTF-8, a lost catalog, a replayed
cookie after logout, a member touching the admin's album, out-of-range ids and hostile
``next=``, truncated HEIC files, and decompression bombs (peak RSS of each decode printed,
measured in a fresh process). Exit code 1 when any check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

os.environ.setdefault("SHOEBOX_LABELS", "0")
os.environ.setdefault("SHOEBOX_FACES", "0")

from crafted import deflate_tiff_bomb, many_strips_tiff, png_bomb  # noqa: E402
from ingest_helpers import make_jpeg  # noqa: E402

from appliance.cli import main as shoebox  # noqa: E402

RESULTS: list[bool] = []


def check(name: str, ok: bool, detail: str = "") -> None:
    RESULTS.append(ok)
    print(f"{'PASS' if ok else 'FAIL'}  {name}{': ' + detail if detail else ''}", flush=True)


def quiet(func: Callable[[], int]) -> int:
    """Run a shoebox command with its output kept off the report."""
    with open(os.devnull, "w") as null:
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = null
        try:
            return func()
        finally:
            sys.stdout, sys.stderr = saved


def names(work: Path) -> None:
    card = work / "card"
    make_jpeg(card / os.fsdecode(b"bad\xff\xfename.jpg"), 1, "2022:02:02 02:02:02")
    make_jpeg(card / "line\nbreak.jpg", 2)
    os.mkfifo(card / "pipe.jpg")
    code = quiet(lambda: shoebox(["--library", str(work / "lib"), "import", str(card)]))
    stored = sorted(p.name for p in (work / "lib" / "originals").rglob("*.jpg"))
    check("non-UTF-8 name and a FIFO on a card", code == 0 and len(stored) == 2, f"{stored}")


def lost_catalog(work: Path) -> None:
    from ingest_helpers import quick_settings

    from appliance.library import Library
    from appliance.web import create_app

    lib = work / "lib"
    (lib / "catalog.db").write_bytes(b"")
    client = create_app(quick_settings(lib, setup_file=lib / "x"), Library(lib)).test_client()
    setup = client.get("/setup")
    check("empty catalog.db: setup closed", setup.status_code == 503, f"HTTP {setup.status_code}")
    code = quiet(lambda: shoebox(["--library", str(lib), "rebuild"]))
    check("shoebox rebuild brings the photos back", code == 0 and _photos(lib) == 2)
    quiet(lambda: shoebox(["--library", str(lib), "backup"]))
    (lib / "catalog.db").write_bytes(os.urandom(4096))
    code = quiet(lambda: shoebox(["--library", str(lib), "doctor"]))
    check("damaged header: doctor explains, no traceback", code == 1)
    code = quiet(lambda: shoebox(["--library", str(lib), "restore"]))
    check("shoebox restore puts the newest verified backup back", code == 0 and _photos(lib) == 2)


def _photos(lib: Path) -> int:
    import sqlite3

    with sqlite3.connect(lib / "catalog.db") as con:
        return con.execute("SELECT COUNT(*) FROM photo").fetchone()[0]


def web_attacks(work: Path) -> None:
    from ingest_helpers import quick_settings
    from web_fixtures import PASSWORD, sign_in, token

    from appliance.catalog.users import create_user
    from appliance.library import Library
    from appliance.web import create_app

    lib = work / "lib"
    app = create_app(quick_settings(lib, setup_file=lib / "x"), Library(lib))
    create_user("alice", PASSWORD, "admin")
    create_user("bob", PASSWORD, "member")
    alice, bob, thief = app.test_client(), app.test_client(), app.test_client()
    sign_in(alice, "alice")
    sign_in(bob, "bob")
    thief.set_cookie("shoebox_session", alice.get_cookie("shoebox_session").value)
    alice.post("/logout", data={"csrf_token": token(alice)})
    status = thief.get("/api/v1/photos").status_code
    check("cookie replayed after logout", status == 401, f"HTTP {status}")
    sign_in(alice, "alice")
    album = alice.post(
        "/api/v1/albums", json={"title": "A"}, headers={"X-CSRF-Token": token(alice)}
    )
    h = {"X-CSRF-Token": token(bob)}
    deleted = bob.delete(f"/api/v1/albums/{album.json['id']}", headers=h).status_code
    shared = bob.post(f"/api/v1/albums/{album.json['id']}/shares", json={}, headers=h).status_code
    check("member deletes / shares the admin's album", (deleted, shared) == (403, 403))
    probes = {
        "/api/v1/photos/99999999999999999999999": alice.get,
        "/api/v1/photos?q=person:%239999999999999999999999": alice.get,
        "/api/v1/photos?q=after:9999-12-31": alice.get,
    }
    codes = {url: get(url).status_code for url, get in probes.items()}
    check("out-of-range ids and dates", all(400 <= c < 500 for c in codes.values()), f"{codes}")
    visitor = app.test_client()
    page = visitor.get("/login")
    from web_fixtures import csrf_of

    redirect = visitor.post(
        "/login?next=/%09/evil.example",
        data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    where = redirect.headers.get("Location")
    check("next=/%09/evil.example", redirect.status_code == 302 and where == "/", f"{where}")


def truncated_heic(corpus: Path, work: Path) -> None:
    from appliance.media.decode import RenderError
    from appliance.media.render import render

    data = (corpus / "heif/exif-samples/IMG_5195.HEIC").read_bytes()
    refused = []
    for fraction in (0.1, 0.5, 0.9, 0.999):
        cut = work / f"cut_{fraction}.heic"
        cut.write_bytes(data[: int(len(data) * fraction)])
        try:
            render(cut, "image/heic")
            refused.append(False)
        except RenderError as exc:
            refused.append("incomplete file" in str(exc))
    check("HEIC cut at 10/50/90/99.9%", all(refused), f"{refused}")


def bombs(work: Path) -> None:
    made = {
        "deflate TIFF 15000x15000": deflate_tiff_bomb(work / "deflate.tif"),
        "PNG 15000x15000": png_bomb(work / "bomb.png"),
        "TIFF with 1,000,000 strips": many_strips_tiff(work / "strips.tif"),
    }
    for name, path in made.items():
        out = subprocess.run(
            [sys.executable, "-m", "appliance.media.decode_probe", str(path)],
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        probe = json.loads(out.stdout.strip().splitlines()[-1])
        peak, result = probe["peak_mb"], probe["result"]
        size = path.stat().st_size // 1024
        check(f"bomb: {name} ({size} KB)", peak < 600, f"peak RSS {peak} MB; {result}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None)
    args = parser.parse_args()
    from conftest import corpus_dir

    corpus = args.corpus or corpus_dir()
    with tempfile.TemporaryDirectory(prefix="shoebox-redteam-") as tmp:
        work = Path(tmp)
        names(work)
        lost_catalog(work)
        web_attacks(work)
        truncated_heic(corpus, work)
        bombs(work)
    print(f"{sum(RESULTS)}/{len(RESULTS)} checks passed")
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
