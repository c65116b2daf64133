"""Camera capture into the inbox: the daemon's watcher only ever sees complete files."""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import importlib.util
import io
import os
import threading
import time
from pathlib import Path

import pytest
from PIL import Image
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from appliance.capture import Camera, CaptureError
from appliance.capture.inbox import capture_to_inbox, rename_noreplace
from appliance.capture.picamera import MISSING, PiCamera
from appliance.commands import capture as capture_command
from appliance.config import Settings
from appliance.ingest.watcher import InboxWatcher

REPO = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2024, 5, 17, 9, 30, 12)


def _jpeg_bytes() -> bytes:
    image = Image.new("RGB", (640, 480))
    image.putdata([(x % 256, y % 256, 128) for y in range(480) for x in range(640)])
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


class SlowJpegCamera:
    """Test double for the camera hardware: writes a real JPEG in slow chunks, like a sensor
    readout streaming to disk, so a watcher would see a partial file if one were visible."""

    def __init__(self, chunks: int = 5, pause: float = 0.05, fail_after: int | None = None):
        self.data = _jpeg_bytes()
        self.chunks, self.pause, self.fail_after = chunks, pause, fail_after

    def capture(self, path: Path) -> Path:
        step = len(self.data) // self.chunks + 1
        with open(path, "xb") as out:
            for i in range(self.chunks):
                if self.fail_after is not None and i == self.fail_after:
                    raise CaptureError("sensor timeout")
                out.write(self.data[i * step : (i + 1) * step])
                out.flush()
                os.fsync(out.fileno())
                time.sleep(self.pause)
        return path


class EmptyCamera:
    def capture(self, path: Path) -> Path:
        path.touch()
        return path


class _Recorder(FileSystemEventHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def on_any_event(self, event: FileSystemEvent) -> None:
        with self.lock:
            self.events.append((event.event_type, os.fsdecode(event.src_path)))
            if getattr(event, "dest_path", ""):
                self.events.append((event.event_type + "_to", os.fsdecode(event.dest_path)))


def _watch(inbox: Path, write) -> tuple[list[tuple[str, str]], list[Path]]:
    """Run ``write()`` while a raw watchdog observer and the daemon's InboxWatcher look on."""
    recorder = _Recorder()
    observer = Observer()
    observer.schedule(recorder, str(inbox), recursive=True)
    observer.start()
    watcher = InboxWatcher([inbox], settle_seconds=0.2)
    watcher.start()
    released: list[Path] = []
    try:
        write()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not released:
            released += watcher.due()
            time.sleep(0.05)
        time.sleep(0.3)
        released += watcher.due()
    finally:
        watcher.stop()
        observer.stop()
        observer.join(5)
    with recorder.lock:
        return list(recorder.events), released


READS = {"opened", "closed_no_write"}  # the watcher and this test open files to read them


def _visible(events: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Events that change a non-hidden name (reads left out)."""
    return [(k, p) for k, p in events if k not in READS and not Path(p).name.startswith(".")]


def test_slow_camera_is_a_camera() -> None:
    assert isinstance(SlowJpegCamera(), Camera) and isinstance(PiCamera(), Camera)


def test_watcher_sees_only_the_complete_final_file(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    camera = SlowJpegCamera()
    results: list[Path] = []
    events, released = _watch(inbox, lambda: results.append(capture_to_inbox(camera, inbox, NOW)))
    final = results[0]
    assert final == inbox / "capture-20240517-093012.jpg"
    assert final.read_bytes() == camera.data
    with Image.open(final) as image:
        assert image.size == (640, 480)
    assert released == [final.resolve()]
    visible = _visible([(k, p) for k, p in events if p != str(inbox)])
    # The only event naming a non-hidden file is the rename that moved the finished file in.
    assert visible == [("moved_to", str(final))], events
    assert sorted(p.name for p in inbox.iterdir()) == [final.name]
    assert final.stat().st_mode & 0o777 == 0o664


def test_direct_write_would_be_seen_partially(tmp_path: Path) -> None:
    """Control: the check above can fail; writing straight to the final name is visible
    (created / modified events) while the file is incomplete."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    camera = SlowJpegCamera()
    target = inbox / "capture-direct.jpg"
    events, _ = _watch(inbox, lambda: camera.capture(target))
    kinds = {kind for kind, p in _visible(events) if p == str(target)}
    assert {"created", "modified"} <= kinds


def test_names_never_replace_an_existing_photo(tmp_path: Path) -> None:
    first = capture_to_inbox(SlowJpegCamera(pause=0), tmp_path, NOW)
    second = capture_to_inbox(SlowJpegCamera(pause=0), tmp_path, NOW)
    assert (first.name, second.name) == (
        "capture-20240517-093012.jpg",
        "capture-20240517-093012-2.jpg",
    )
    other = tmp_path / "other"
    other.write_bytes(b"x")
    with pytest.raises(FileExistsError):
        rename_noreplace(second, other)
    assert other.read_bytes() == b"x" and second.exists()


@pytest.mark.parametrize(
    ("camera", "reason"),
    [(SlowJpegCamera(pause=0, fail_after=2), "sensor timeout"), (EmptyCamera(), "empty file")],
)
def test_failed_capture_leaves_nothing_behind(tmp_path: Path, camera: Camera, reason: str) -> None:
    with pytest.raises(CaptureError, match=reason):
        capture_to_inbox(camera, tmp_path, NOW)
    assert list(tmp_path.iterdir()) == []


def test_missing_inbox_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="inbox folder .* does not exist"):
        capture_to_inbox(SlowJpegCamera(pause=0), tmp_path / "nope", NOW)


@pytest.mark.skipif(
    importlib.util.find_spec("picamera2") is not None, reason="picamera2 is installed here"
)
def test_picamera2_absence_gives_the_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CaptureError) as info:
        PiCamera(warmup=0).capture(tmp_path / "x.jpg")
    assert str(info.value) == MISSING
    with pytest.raises(CaptureError, match="apt install python3-picamera2"):
        capture_to_inbox(PiCamera(warmup=0), tmp_path, NOW)
    assert list(tmp_path.iterdir()) == []


def test_only_one_module_imports_picamera2() -> None:
    importers = []
    for path in sorted((REPO / "appliance").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Constant) and node.value == "picamera2":
                names = ["picamera2"]
            if any(name.split(".")[0] == "picamera2" for name in names):
                importers.append(path.relative_to(REPO).as_posix())
    assert set(importers) == {"appliance/capture/picamera.py"}


def _run_command(argv: list[str], settings: Settings) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    capture_command.register(sub, argparse.ArgumentParser(add_help=False))
    args = parser.parse_args(argv)
    return args.func(args, settings)


def test_capture_command_reports_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run_command(["capture"], Settings()) == 2
    assert "no inbox" in capsys.readouterr().err
    if importlib.util.find_spec("picamera2") is None:
        code = _run_command(["capture", "--warmup", "0"], Settings(inboxes=[tmp_path]))
        assert code == 1 and MISSING in capsys.readouterr().err
    assert _run_command(["capture", "--warmup", "-1", "--inbox", str(tmp_path)], Settings()) == 1
    assert "warmup" in capsys.readouterr().err
