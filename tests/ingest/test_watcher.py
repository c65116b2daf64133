"""The inbox watcher releases files only when complete, on real folders and processes."""

from __future__ import annotations

import hashlib
import itertools
import subprocess
import sys
import time
from pathlib import Path

from appliance.ingest.watcher import InboxWatcher, SettleTracker, lock_reason

SETTLE = 0.4

SLOW_WRITER = """
import sys, time
path, chunks, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
with open(path, "wb") as out:              # stays open, like an FTP or Samba upload
    for i in range(chunks):
        out.write(bytes([i % 251]) * 65536)
        out.flush()
        time.sleep(pause)
"""

LOCKER = """
import fcntl, sys, time
with open(sys.argv[1], "r+b") as handle:
    fcntl.lockf(handle, fcntl.LOCK_EX)
    print("locked", flush=True)
    sys.stdin.readline()
"""

HOLDER = "import sys; f = open(sys.argv[1], 'ab'); print('open', flush=True); sys.stdin.readline()"


def collect(watcher: InboxWatcher, seconds: float, until: int | None = None) -> list[Path]:
    """Poll ``due()`` like the daemon does, for up to ``seconds``."""
    found: list[Path] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found += watcher.due()
        if until is not None and len(found) >= until:
            break
        time.sleep(0.05)
    return found


def test_slow_writer_is_released_once_complete_with_the_right_hash(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    target = inbox / "upload.jpg"
    chunks, pause = 8, 0.6  # pauses longer than the settle time, file open all along
    with InboxWatcher([inbox], settle_seconds=SETTLE) as watcher:
        writer = subprocess.Popen(
            [sys.executable, "-c", SLOW_WRITER, str(target), str(chunks), str(pause)]
        )
        seen_while_writing = collect(watcher, chunks * pause * 0.8)
        assert seen_while_writing == []
        writer.wait(timeout=30)
        released = collect(watcher, 5, until=1)
        assert released == [target]
        assert collect(watcher, 2 * SETTLE) == []  # once
    expected = hashlib.sha256(b"".join(bytes([i % 251]) * 65536 for i in range(chunks)))
    assert hashlib.sha256(target.read_bytes()).hexdigest() == expected.hexdigest()


def test_litter_and_temporary_names_are_ignored(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "trip").mkdir(parents=True)
    with InboxWatcher([inbox], settle_seconds=0.1) as watcher:
        for name in (
            ".DS_Store",
            "._IMG_1.JPG",
            "Thumbs.db",
            "IMG_2.JPG.part",
            ".~tmp1",
            ".in.IMG_3",
        ):
            (inbox / name).write_bytes(b"x")
        (inbox / "trip" / "IMG_4.JPG").write_bytes(b"photo")
        assert collect(watcher, 1.5, until=2) == [inbox / "trip" / "IMG_4.JPG"]


def test_files_present_at_start_and_moved_in_folders_are_found(tmp_path: Path) -> None:
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    inbox.mkdir()
    (outside / "album").mkdir(parents=True)
    (inbox / "early.jpg").write_bytes(b"1")
    (outside / "album" / "a.jpg").write_bytes(b"2")
    (outside / "album" / "b.jpg").write_bytes(b"3")
    with InboxWatcher([inbox], settle_seconds=0.1) as watcher:
        (outside / "album").rename(inbox / "album")
        found = collect(watcher, 2, until=3)
    assert sorted(found) == [inbox / "album/a.jpg", inbox / "album/b.jpg", inbox / "early.jpg"]


def test_a_locked_file_is_retried_until_released(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    photo = inbox / "locked.jpg"
    photo.write_bytes(b"jpeg" * 100)
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(photo)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert locker.stdout.readline().strip() == "locked"
        assert lock_reason(photo) == "POSIX lock held by another process"
        with InboxWatcher([inbox], settle_seconds=0.1) as watcher:
            assert collect(watcher, 1.0) == []
            assert watcher.tracker.waiting() == {photo: "POSIX lock held by another process"}
            locker.communicate("\n", timeout=10)
            assert collect(watcher, 2, until=1) == [photo]
    finally:
        locker.kill()


def test_open_for_writing_is_detected(tmp_path: Path) -> None:
    photo = tmp_path / "open.jpg"
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            HOLDER,
            str(photo),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "open"
        assert lock_reason(photo) == "still open for writing"
        writer.communicate("\n", timeout=10)
        assert lock_reason(photo) is None
    finally:
        writer.kill()


def polling_started(watcher: InboxWatcher, share: Path) -> None:
    """Wait until the polling observer diffs its snapshots: a file written before its first
    snapshot (taken in its own thread after start) is never reported, so probe files are
    written until one is."""
    deadline = time.monotonic() + 15
    for n in itertools.count():
        (share / f"probe{n}.jpg").write_bytes(b"probe")
        if collect(watcher, 1.0, until=1):
            return
        assert time.monotonic() < deadline, "the polling observer reported no new file"


def test_polling_observer_sees_new_files(tmp_path: Path) -> None:
    share = tmp_path / "nas"
    share.mkdir()
    with InboxWatcher([], [share], settle_seconds=0.1, poll_interval=0.2) as watcher:
        polling_started(watcher, share)
        (share / "remote.jpg").write_bytes(b"from the camera")
        found: list[Path] = []
        deadline = time.monotonic() + 3
        while share / "remote.jpg" not in found and time.monotonic() < deadline:
            found += [p for p in collect(watcher, 0.2) if not p.name.startswith("probe")]
        assert found == [share / "remote.jpg"]


def test_tracker_waits_for_size_and_mtime_to_settle(tmp_path: Path) -> None:
    now = [0.0]
    tracker = SettleTracker(2.0, clock=lambda: now[0])
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"12")
    tracker.touch(photo, closed=True)
    now[0] = 1.5
    assert tracker.due() == []
    with photo.open("ab") as handle:
        handle.write(b"3")
    now[0] = 3.0
    assert tracker.due() == []  # grew: the clock starts again, and it was not closed since
    tracker.touch(photo, closed=True)
    now[0] = 4.0
    assert tracker.due() == []
    now[0] = 5.1
    assert tracker.due() == [photo]
    assert len(tracker) == 0


def test_missing_inbox_is_a_clear_error(tmp_path: Path) -> None:
    watcher = InboxWatcher([tmp_path / "nope"])
    try:
        watcher.start()
    except FileNotFoundError as exc:
        assert "inbox folder" in str(exc)
    else:
        raise AssertionError("a missing inbox must be refused")
    finally:
        watcher.stop()


def test_a_file_moved_in_from_outside_is_released_after_the_settle_time(tmp_path: Path) -> None:
    """inotify reports a move from outside the watched tree as a creation (no close event);
    the lease check confirms no writer, so it need not wait the long quiet period."""
    inbox, outside = tmp_path / "inbox", tmp_path / "elsewhere"
    inbox.mkdir()
    outside.mkdir()
    photo = outside / "moved.jpg"
    photo.write_bytes(b"jpeg" * 5000)
    with InboxWatcher([inbox], settle_seconds=SETTLE) as watcher:
        started = time.monotonic()
        photo.rename(inbox / "moved.jpg")
        assert collect(watcher, 10, until=1) == [inbox / "moved.jpg"]
        assert time.monotonic() - started < watcher.tracker.quiet / 2


def test_a_created_file_still_open_for_writing_is_not_released(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    photo = inbox / "open.jpg"
    with InboxWatcher([inbox], settle_seconds=SETTLE) as watcher:
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(photo)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout.readline().strip() == "open"
            assert collect(watcher, SETTLE * 6) == []
            assert watcher.tracker.waiting() == {photo: "still open for writing"}
            holder.communicate("\n", timeout=10)
            assert collect(watcher, 5, until=1) == [photo]
        finally:
            holder.kill()
