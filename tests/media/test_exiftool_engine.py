"""The ExifTool -stay_open engine: one process reused, a time limit per file, restart."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from appliance.media.exiftool import ExifTool, ExifToolError, ExifToolTimeout

JPEG = "exif/exif-samples/gps/DSCN0010.jpg"


def test_one_process_answers_many_requests(corpus: Path) -> None:
    engine = ExifTool()
    try:
        first, _ = engine.read_json(corpus / JPEG, ["-n", "-Make"])
        pid = engine._proc.pid
        for _ in range(20):
            again, _ = engine.read_json(corpus / JPEG, ["-n", "-Make"])
        assert first == again and first["Make"] == "NIKON"
        assert engine._proc.pid == pid  # stayed open
    finally:
        engine.close()
    assert engine._proc is None


def test_a_hanging_read_times_out_and_the_engine_restarts(corpus: Path) -> None:
    engine = ExifTool(timeout=1.0)
    try:
        engine.read_json(corpus / JPEG, ["-Make"], timeout=60)  # start-up: slow on a busy box
        stuck = engine._proc
        # "-" makes ExifTool read an image from its stdin, the request pipe, which never
        # ends: a real ExifTool stuck in a read, like one on a dead network mount
        with pytest.raises(ExifToolTimeout, match="no answer within 1 s"):
            engine.execute("-j", "-")
        assert stuck.poll() is not None  # the stuck process was killed
        record, _ = engine.read_json(corpus / JPEG, ["-n", "-Make"], timeout=60)
        assert record["Make"] == "NIKON" and engine._proc is not stuck
    finally:
        engine.close()


def test_exiftool_dies_with_a_killed_worker(tmp_path: Path, corpus: Path) -> None:
    """A worker killed for a stuck file must not leave its ExifTool polling forever."""
    script = (
        "import sys, time; from pathlib import Path; "
        "from appliance.media.exiftool import shared; "
        f"shared().read_json(Path({str(corpus / JPEG)!r}), ['-Make']); "
        "print(shared()._proc.pid, flush=True); time.sleep(60)"
    )
    worker = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child = int(worker.stdout.readline())
    assert Path(f"/proc/{child}").exists()
    worker.kill()
    worker.wait()
    deadline = time.monotonic() + 5
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    status = Path(f"/proc/{child}/status")
    assert not status.exists() or "zombie" in status.read_text()


def test_messages_and_bad_arguments(tmp_path: Path) -> None:
    engine = ExifTool()
    try:
        record, messages = engine.read_json(tmp_path / "missing.jpg", ["-Make"])
        assert record == {} and "File not found" in messages
        with pytest.raises(ExifToolError, match="newline"):
            engine.read_json(tmp_path / "two\nlines.jpg", ["-Make"])
    finally:
        engine.close()


def test_missing_exiftool_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SHOEBOX_EXIFTOOL", "")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ExifToolError, match="libimage-exiftool-perl"):
        ExifTool().execute("-ver")
