"""Benchmark the library backup (issue 23): first backup, an incremental one, a full restore,
beside a plain ``cp -a`` of the same library measured in the same run.

    .venv/bin/python bench/bench_library_backup.py [COUNT] [--mean-kb 400] [--work DIR]

COUNT photos (default 2000) get a synthetic catalogue (bench/synthetic_catalog.py) and one
original each, random bytes (incompressible, like JPEGs) of 0.25x-1.75x ``--mean-kb``, with
an XMP sidecar for every tenth. The incremental run follows an import of COUNT/50 new
photos. Each step runs as ``shoebox library-backup`` in its own process; its peak RSS is
the largest of that process and its children (restic). Prints one table; then (unless
``--no-web``) the web UI's latency served by `shoebox run`, idle and during a full backup
to a second target at the unit's priorities (nice 19, idle I/O).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _write_originals(root: Path, rows: list[tuple[int, str]], mean: int, rng: random.Random) -> int:
    written = 0
    for photo_id, stored in rows:
        path = root / "originals" / stored
        path.parent.mkdir(parents=True, exist_ok=True)
        size = int(mean * (0.25 + 1.5 * rng.random()))
        path.write_bytes(os.urandom(size))
        written += size
        if photo_id % 10 == 0:
            xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><!-- photo {photo_id} --></x:xmpmeta>\n'
            (path.parent / f"{path.name}.xmp").write_text(xmp)
    return written


def _stored(catalog: Path, after: int = 0) -> list[tuple[int, str]]:
    con = sqlite3.connect(catalog)
    try:
        return con.execute(
            "SELECT photo_id, stored_path FROM file WHERE photo_id > ? ORDER BY photo_id", (after,)
        ).fetchall()
    finally:
        con.close()


def _add_photos(catalog: Path, count: int) -> None:
    """What an import batch leaves in the catalogue: new photo and file rows."""
    con = sqlite3.connect(catalog)
    try:
        with con:
            first = con.execute("SELECT MAX(id) FROM photo").fetchone()[0] + 1
            for i in range(first, first + count):
                con.execute(
                    "INSERT INTO photo (id, status, kind, taken_at, sort_time, favorite, archived,"
                    " labels_version, faces_version, places_version, stack_hidden, unstacked,"
                    " created_at, updated_at) VALUES (?, 'ok', 'image', '2026-11-30 10:00:00',"
                    " '2026-11-30 10:00:00', 0, 0, 0, 0, 0, 0, 0, '2026-11-30', '2026-11-30')",
                    (i,),
                )
                con.execute(
                    "INSERT INTO file (photo_id, sha256, role, kind, size, stored_path, warnings,"
                    " created_at) VALUES (?, ?, 'original', 'image', 0, ?, '', '2026-11-30')",
                    (i, f"{i:064x}", f"2026/11/NEW_{i:07d}.JPG"),
                )
    finally:
        con.close()


def _step(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(seconds, peak RSS in MB of the step's processes, stdout) of one command."""
    probe = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stdout.write(done.stdout)\n"
        "sys.stderr.write(done.stderr)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(f'PEAK_RSS_KB={peak}')\n"
        "sys.exit(done.returncode)\n"
    )
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:6])} failed:\n{done.stdout}\n{done.stderr}")
    peak = int(done.stdout.rsplit("PEAK_RSS_KB=", 1)[1].split()[0])
    return seconds, peak // 1024, done.stdout


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def web_during_backup(shoebox: list[str], env: dict[str, str], work: Path) -> list[str]:
    """Latency of the web UI (`shoebox run`, a signed-in photo page of the API) idle and
    while a full backup runs at the unit's priorities (nice 19, idle I/O); lines to print."""
    import requests

    env = dict(env, SHOEBOX_PASSWORD="bench password", SHOEBOX_LABELS="0", SHOEBOX_FACES="0")
    subprocess.run(
        [*shoebox, "user", "add", "bench", "--role", "admin"],
        env=env,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    server = subprocess.Popen(
        [*shoebox, "run", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        http = requests.Session()
        for _ in range(600):
            try:
                page = http.get(f"{base}/login", timeout=2).text
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        csrf = page.split('name="csrf-token" content="')[1].split('"')[0]
        login = {"username": "bench", "password": "bench password", "csrf_token": csrf}
        http.post(f"{base}/login", data=login, timeout=10)

        def sample(count: int, until: subprocess.Popen | None = None) -> list[float]:
            times: list[float] = []
            while len(times) < count or (until is not None and until.poll() is None):
                t0 = time.perf_counter()
                response = http.get(f"{base}/api/v1/photos?limit=60", timeout=30)
                response.raise_for_status()
                times.append((time.perf_counter() - t0) * 1000)
                if until is not None and until.poll() is not None and len(times) >= 20:
                    break
            return times

        sample(50)  # warm up
        idle = sample(200)
        subprocess.run(
            [*shoebox, "library-backup", "add", "web", str(work / "usb2" / "repo")],
            env=env,
            check=True,
            capture_output=True,
        )
        backup = subprocess.Popen(
            ["nice", "-n", "19", "ionice", "-c", "3", *shoebox, "library-backup", "run", "web"],
            env=env | {"GOGC": "25"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        busy = sample(20, until=backup)
        backup.wait()
        idle += sample(200)
    finally:
        server.terminate()
        server.wait(timeout=60)
    lines = ["", "| web UI, GET /api/v1/photos?limit=60 | requests | p50 ms | p95 ms | max ms |"]
    lines.append("|---|---|---|---|---|")
    for name, times in (("idle (before and after)", idle), ("during a full backup", busy)):
        lines.append(
            f"| {name} | {len(times)} | {_pct(times, 50):.1f} | {_pct(times, 95):.1f} |"
            f" {max(times):.1f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=2000)
    parser.add_argument("--mean-kb", type=int, default=400)
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: tmp)")
    parser.add_argument("--no-web", action="store_true", help="skip the web latency step")
    args = parser.parse_args()
    from synthetic_catalog import prepare

    work = Path(tempfile.mkdtemp(prefix="shoebox-bench-backup-", dir=args.work))
    try:
        rng = random.Random(23)
        root, state = work / "library", work / "sd"
        t0 = time.perf_counter()
        prepare(root, args.count)
        library_bytes = _write_originals(
            root, _stored(root / "catalog.db"), args.mean_kb * 1024, rng
        )
        print(
            f"generated {args.count} photos, {library_bytes / 1e6:.0f} MB in "
            f"{time.perf_counter() - t0:.0f} s"
        )
        env = dict(os.environ, SHOEBOX_BACKUP_STATE=str(state), SHOEBOX_CONFIG="")
        env["PYTHONPATH"] = str(REPO)
        shoebox = [sys.executable, "-m", "appliance.cli", "--library", str(root)]
        repo = work / "usb" / "shoebox-library"
        subprocess.run(
            [*shoebox, "library-backup", "add", "usb", str(repo)],
            env=env,
            check=True,
            capture_output=True,
        )
        rows: list[tuple[str, float, int, int, str]] = []

        def row(name: str, seconds: float, rss: int, moved: int, note: str = "") -> None:
            rows.append((name, seconds, rss, moved, note))

        subprocess.run(["sync"], check=True)
        seconds, rss, _ = _step(["cp", "-a", str(root / "originals"), str(work / "cp-copy")], env)
        row("baseline: cp -a originals/", seconds, rss, library_bytes)
        shutil.rmtree(work / "cp-copy")

        seconds, rss, _ = _step([*shoebox, "library-backup", "run", "usb"], env)
        status = json.loads((state / "status" / "usb.json").read_text())
        first = status["last_summary"]
        row(
            "first backup (+check, 5% read)",
            seconds,
            rss,
            library_bytes,
            f"{first['data_added'] / 1e6:.0f} MB added",
        )
        repo_after_first = _size(repo)

        before = max(pid for pid, _ in _stored(root / "catalog.db"))
        new = max(1, args.count // 50)
        _add_photos(root / "catalog.db", new)
        new_bytes = _write_originals(
            root, _stored(root / "catalog.db", before), args.mean_kb * 1024, rng
        )
        seconds, rss, _ = _step([*shoebox, "library-backup", "run", "usb"], env)
        second = json.loads((state / "status" / "usb.json").read_text())["last_summary"]
        row(
            f"incremental (+{new} photos, +check)",
            seconds,
            rss,
            new_bytes,
            f"{second['data_added'] / 1e6:.1f} MB added, {second['files_new']} new files",
        )

        restored = work / "restored"
        seconds, rss, _ = _step(
            [*shoebox, "library-backup", "restore", "usb", "--to", str(restored)], env
        )
        restored_bytes = _size(restored / "originals")
        row("full restore", seconds, rss, restored_bytes, "catalogue checked")
        seconds, rss, _ = _step(
            ["cp", "-a", str(restored / "originals"), str(work / "cp-again")], env
        )
        row("baseline: cp -a of the restore", seconds, rss, restored_bytes)

        total = _size(root / "originals") + (root / "catalog.db").stat().st_size
        print(
            f"\nlibrary: {args.count + new} photos, originals+sidecars+catalogue"
            f" {total / 1e6:.0f} MB;"
            f" repository {_size(repo) / 1e6:.0f} MB ({_size(repo) / total:.3f}x the library;"
            f" {repo_after_first / 1e6:.0f} MB after the first backup)"
        )
        print("\n| step | s | MB/s | peak RSS MB | note |\n|---|---|---|---|---|")
        for name, seconds, rss, moved, note in rows:
            rate = moved / 1e6 / seconds if seconds else 0.0
            print(f"| {name} | {seconds:.1f} | {rate:.1f} | {rss} | {note} |")
        if not args.no_web:
            print("\n".join(web_during_backup(shoebox, env, work)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
