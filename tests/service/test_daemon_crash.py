"""The real `shoebox run --no-web` process: slow writers, SIGKILL at random points, SIGTERM."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
FILES = 200
KILLS = 8


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_jpegs(folder: Path, count: int, seed: int = 5) -> dict[str, str]:
    """Small JPEGs with distinct content; returns name -> sha256."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    made = {}
    for i in range(count):
        pixels = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
        path = folder / f"IMG_{i:04d}.jpg"
        Image.fromarray(pixels).save(path, quality=80)
        made[path.name] = sha256(path)
    return made


def daemon_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SHOEBOX_LABELS="0",
        SHOEBOX_FACES="0",
        SHOEBOX_SETTLE_SECONDS="0.2",
        SHOEBOX_WORKERS="2",
        PYTHONPATH=str(REPO),
    )
    env.pop("NOTIFY_SOCKET", None)
    return env


def start_daemon(library: Path, inbox: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "appliance.cli", "--library", str(library), "run", "--no-web"]
        + ["--inbox", str(inbox)],
        env=daemon_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def query(library: Path, sql: str) -> list[tuple]:
    db = library / "catalog.db"
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []


def done_count(library: Path) -> int:
    rows = query(library, "SELECT COUNT(*) FROM job WHERE state = 'done'")
    return rows[0][0] if rows else 0


def wait_for(predicate, timeout: float, what: str, poll: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    finally:
        process.kill()


def settled(library: Path, inbox: Path) -> bool:
    busy = query(library, "SELECT COUNT(*) FROM job WHERE state IN ('pending', 'running')")
    return bool(busy) and busy[0][0] == 0 and not any(p.is_file() for p in inbox.rglob("*"))


def test_slow_writer_is_imported_once_and_complete(tmp_path: Path) -> None:
    library, inbox = tmp_path / "library", tmp_path / "inbox"
    inbox.mkdir()
    source = make_jpegs(tmp_path / "src", 1)
    data = (tmp_path / "src" / "IMG_0000.jpg").read_bytes()
    daemon = start_daemon(library, inbox)
    try:
        wait_for(lambda: (library / "daemon.json").exists(), 30, "the daemon to start")
        with open(inbox / "upload.jpg", "wb") as out:  # written over ~3 s, open all along
            step = max(1, len(data) // 6)
            for start in range(0, len(data), step):
                out.write(data[start : start + step])
                out.flush()
                time.sleep(0.5)
        wait_for(lambda: settled(library, inbox), 30, "the upload to be imported")
        assert stop(daemon) == 0, daemon.stderr.read()
    finally:
        daemon.kill()
    files = query(library, "SELECT sha256, stored_path, size FROM file")
    assert [(f[0], f[2]) for f in files] == [(source["IMG_0000.jpg"], len(data))]
    assert sha256(library / "originals" / files[0][1]) == source["IMG_0000.jpg"]
    assert query(library, "SELECT state FROM job") == [("done",)]


def test_sigkill_at_random_points_then_a_clean_run(tmp_path: Path) -> None:
    library, inbox = tmp_path / "library", tmp_path / "inbox"
    expected = make_jpegs(inbox, FILES)
    rng = random.Random(1234)
    kills = 0
    while kills < KILLS:
        before = done_count(library)
        daemon = start_daemon(library, inbox)
        try:
            # kill while work is going on: once this run made progress, after a random delay
            wait_for(lambda b=before: done_count(library) > b, 60, "progress", poll=0.01)
            time.sleep(rng.uniform(0.0, 0.08))
        finally:
            daemon.send_signal(signal.SIGKILL)
            daemon.wait(timeout=30)
        kills += 1
        print(f"kill {kills}: {done_count(library)} done")
        if done_count(library) >= FILES - 10:
            break  # too little left to interrupt meaningfully
    assert kills >= KILLS, f"the import finished after {kills} kills; use more files"

    daemon = start_daemon(library, inbox)
    try:
        wait_for(lambda: settled(library, inbox), 90, "the clean run to finish")
        assert stop(daemon) == 0, daemon.stderr.read()
    finally:
        daemon.kill()

    files = query(library, "SELECT sha256, stored_path FROM file")
    assert sorted(f[0] for f in files) == sorted(expected.values())  # each exactly once
    originals = library / "originals"
    on_disk = {
        p.relative_to(originals).as_posix(): p
        for p in originals.rglob("*")
        if p.is_file() and ".incoming" not in p.parts
    }
    assert set(on_disk) == {f[1] for f in files}
    assert {sha256(p) for p in on_disk.values()} == set(expected.values())
    assert list((originals / ".incoming").iterdir()) == []
    assert not [p for p in library.rglob("*.partial")]
    assert not [p for p in inbox.rglob("*") if p.is_file()]
    assert query(library, "PRAGMA integrity_check") == [("ok",)]
    states = dict(query(library, "SELECT state, COUNT(*) FROM job GROUP BY state"))
    assert set(states) == {"done"}, states
    done_paths = {r[0] for r in query(library, "SELECT DISTINCT path FROM job")}
    assert done_paths == {str(inbox / name) for name in expected}


def test_a_second_daemon_on_the_same_library_is_refused(tmp_path: Path) -> None:
    library, inbox = tmp_path / "library", tmp_path / "inbox"
    inbox.mkdir()
    first = start_daemon(library, inbox)
    try:
        wait_for(lambda: (library / "daemon.json").exists(), 30, "the daemon to start")
        second = start_daemon(library, inbox)
        assert second.wait(timeout=30) == 3
        assert "another shoebox process" in second.stderr.read()
        assert stop(first) == 0
    finally:
        first.kill()


def start_volume_import(library: Path, stick: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "appliance.cli", "--library", str(library)]
    return subprocess.Popen(
        [*command, "import-volume", "--uuid", "STICK-1", str(stick)],
        env=daemon_env() | {"SHOEBOX_WORKERS": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def all_imported(library: Path, expected: dict[str, str]) -> None:
    files = query(library, "SELECT sha256 FROM file")
    assert sorted(f[0] for f in files) == sorted(expected.values())
    assert query(library, "SELECT DISTINCT state FROM job") == [("done",)]


def test_a_service_started_during_a_volume_import_takes_it_over(tmp_path: Path) -> None:
    """`import-volume` imports by itself while no service runs; a service started then
    waits for it to hand over (it was refused with exit 3, and systemd gives up after five
    refusals) and finishes the volume, while the command waits and reports."""
    library, inbox, stick = tmp_path / "library", tmp_path / "inbox", tmp_path / "stick"
    inbox.mkdir()
    expected = make_jpegs(stick / "DCIM", 150)
    command = start_volume_import(library, stick)
    daemon = None
    try:
        wait_for(lambda: done_count(library) > 5, 60, "the command to import by itself")
        daemon = start_daemon(library, inbox)
        wait_for(lambda: (library / "daemon.json").exists(), 60, "the service to start")
        assert command.wait(timeout=120) == 0, command.stdout.read()
        assert daemon.poll() is None, daemon.stderr.read()
        assert stop(daemon) == 0
    finally:
        command.kill()
        if daemon:
            daemon.kill()
    all_imported(library, expected)


def test_a_volume_import_outlives_a_killed_service(tmp_path: Path) -> None:
    """The service is killed while `import-volume` waits for it: the command takes over
    (it waited for ever) and every file of the volume is imported."""
    library, inbox, stick = tmp_path / "library", tmp_path / "inbox", tmp_path / "stick"
    inbox.mkdir()
    expected = make_jpegs(stick / "DCIM", 150)
    daemon = start_daemon(library, inbox)
    command = None
    try:
        wait_for(lambda: (library / "daemon.json").exists(), 60, "the service to start")
        command = start_volume_import(library, stick)
        wait_for(lambda: done_count(library) > 5, 60, "the service to import")
        daemon.send_signal(signal.SIGKILL)
        daemon.wait(timeout=30)
        assert command.wait(timeout=120) == 0, command.stdout.read()
    finally:
        daemon.kill()
        if command:
            command.kill()
    all_imported(library, expected)
