"""The real service reads the text of new photos in its idle time, in a worker process of
its own, and `shoebox search` running beside it finds them by their words."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from suite_env import REPO

PICTURES = REPO / "tests" / "data" / "text_pictures"
TRUTH: dict[str, dict] = json.loads((PICTURES / "truth.json").read_text())


def env() -> dict[str, str]:
    out = dict(os.environ)
    out.update(SHOEBOX_LABELS="0", SHOEBOX_FACES="0", SHOEBOX_SETTLE_SECONDS="0.2")
    out.update(PYTHONPATH=str(REPO))
    out.pop("NOTIFY_SOCKET", None)
    return out


def shoebox(library: Path, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "appliance.cli", "--library", str(library), *args]
    return subprocess.Popen(command, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def read(library: Path) -> dict[str, tuple[str, str | None]]:
    """File name -> (text, kind) of the photos the service has read."""
    try:
        with sqlite3.connect(f"file:{library / 'catalog.db'}?mode=ro", uri=True) as con:
            rows = con.execute(
                "SELECT file.original_name, photo_text.text, photo_text.kind FROM photo_text "
                "JOIN file ON file.photo_id = photo_text.photo_id"
            ).fetchall()
    except sqlite3.OperationalError:  # not created yet
        return {}
    return {name: (text, kind) for name, text, kind in rows}


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie (an exited child nobody has reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_the_service_reads_new_photos_and_search_beside_it_finds_them(tmp_path: Path) -> None:
    library, inbox = tmp_path / "library", tmp_path / "inbox"
    inbox.mkdir()
    receipt = sorted(n for n, t in TRUTH.items() if t["kind"] == "receipt")[0]
    shot = sorted(n for n, t in TRUTH.items() if t["kind"] == "screenshot")[0]
    service = shoebox(library, "run", "--no-web", "--inbox", str(inbox))
    try:
        for name in (receipt, shot):
            shutil.copyfile(PICTURES / name, inbox / name)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and len(read(library)) < 2:
            assert service.poll() is None, service.stderr.read().decode()
            time.sleep(0.5)
        texts = read(library)
        assert set(texts) == {receipt, shot}, texts
        assert texts[shot][1] == "screenshot" and texts[receipt][1] == "document"
        readers = children(service.pid)
        word = max((w for w in TRUTH[receipt]["words"] if w.isalpha()), key=len)
        beside = shoebox(library, "search", word)  # another shoebox process, beside it
        out, err = beside.communicate(timeout=120)
        assert beside.returncode == 0, err.decode()
        assert receipt in out.decode()
        status = shoebox(library, "status")
        out, err = status.communicate(timeout=120)
        assert status.returncode == 0 and "photos to read" not in out.decode(), out.decode()
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=60) == 0, service.stderr.read().decode()
    finally:
        service.kill()
        service.wait(timeout=30)
    time.sleep(1)
    alive = [pid for pid in readers if running(pid)]
    assert not alive, f"worker processes left behind: {alive}"
