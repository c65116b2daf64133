"""A library on a removable disk is required, not assumed: wait, say so, never use the SD card."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from appliance.config import Settings
from appliance.library_disk import library_state

REPO = Path(__file__).resolve().parents[2]


def _mountinfo(tmp_path: Path, mount: Path, device: str) -> Path:
    info = tmp_path / "mountinfo"
    info.write_text(
        "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
        f"90 22 {device} / {mount} rw,relatime shared:40 - ext4 /dev/sda1 rw\n"
    )
    return info


def test_library_not_on_a_disk_is_always_available(tmp_path: Path) -> None:
    assert library_state(Settings(library=tmp_path / "nothing-yet")).available


def test_empty_mount_point_is_not_a_library(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    root.mkdir()
    info = tmp_path / "mountinfo"
    info.write_text("22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n")
    state = library_state(Settings(library=root, library_disk=True), mountinfo=info)
    assert not state.available
    assert "not plugged in" in state.reason and str(root) in state.reason


def test_the_sandbox_bind_of_the_empty_mount_point_is_not_a_library(tmp_path: Path) -> None:
    """systemd's ReadWritePaths= binds the SD card's empty folder onto itself in the
    service's namespace: a mount at the library root, but of a folder, not of a disk."""
    root = tmp_path / "srv"
    root.mkdir()
    info = tmp_path / "mountinfo"
    info.write_text(
        "22 1 254:1 / / ro,relatime shared:1 - ext4 /dev/vda rw\n"
        f"95 22 254:1 {root} {root} rw,relatime shared:1 - ext4 /dev/vda rw\n"
    )
    sys_block = tmp_path / "sys-dev-block"
    (sys_block / "254:1").mkdir(parents=True)
    settings = Settings(library=root, library_disk=True)
    state = library_state(settings, mountinfo=info, sys_block=sys_block)
    assert not state.available and "not plugged in" in state.reason
    # The disk mounted there (and bound onto itself by the sandbox) is the library.
    (sys_block / "8:1").mkdir()
    with info.open("a") as lines:
        lines.write(f"96 95 8:1 / {root} rw,relatime shared:40 - ext4 /dev/sda1 rw\n")
        lines.write(f"97 96 8:1 / {root} rw,relatime shared:40 - ext4 /dev/sda1 rw\n")
    assert library_state(settings, mountinfo=info, sys_block=sys_block).available


def test_a_disk_the_service_cannot_write_is_not_ready_for_it(tmp_path: Path) -> None:
    """A new disk belongs to root until shoebox-library-disk.service prepares it; a disk
    remounted read-only after errors cannot hold the library either."""
    root = tmp_path / "srv"
    root.mkdir()
    sys_block = tmp_path / "sys-dev-block"
    (sys_block / "8:1").mkdir(parents=True)
    info = _mountinfo(tmp_path, root, "8:1")
    settings = Settings(library=root, library_disk=True)
    as_root = os.geteuid() == 0  # root writes anywhere, except on a read-only filesystem
    if as_root:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "disk", str(root)], check=True)
    else:
        root.chmod(0o555)
    try:
        assert library_state(settings, mountinfo=info, sys_block=sys_block).available
        state = library_state(settings, mountinfo=info, sys_block=sys_block, writable=True)
        assert not state.available and "cannot be written" in state.reason
    finally:
        if as_root:
            subprocess.run(["umount", str(root)], check=True)
        else:
            root.chmod(0o755)
    assert library_state(settings, mountinfo=info, sys_block=sys_block, writable=True).available


def test_a_pulled_disk_whose_mount_lingers_is_absent(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    root.mkdir()
    sys_block = tmp_path / "sys-dev-block"
    sys_block.mkdir()
    info = _mountinfo(tmp_path, root, "8:1")
    settings = Settings(library=root, library_disk=True)
    state = library_state(settings, mountinfo=info, sys_block=sys_block)
    assert not state.available and "removed" in state.reason
    (sys_block / "8:1").mkdir()
    assert library_state(settings, mountinfo=info, sys_block=sys_block).available


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _wait_for(url: str, want: str, seconds: float = 60) -> tuple[int, str]:
    deadline = time.monotonic() + seconds
    last: tuple[int, str] | Exception = OSError("no answer")
    while time.monotonic() < deadline:
        try:
            last = _get(url)
            if want in last[1]:
                return last
        except OSError as exc:
            last = exc
        time.sleep(0.3)
    raise AssertionError(f"{url} never said {want!r} within {seconds} s; last: {last}")


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), SHOEBOX_CONFIG="", **extra)
    env.pop("NOTIFY_SOCKET", None)
    return env


@contextmanager
def _mounted_disk(root: Path) -> Iterator[Callable[[], None]]:
    """A tmpfs mounted at ``root`` as the library disk; yields ``pull()``, which unmounts it
    the way a pulled disk goes (lazily: what is open on it stays open)."""
    root.mkdir()
    if not _can_mount(root):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    mounted = [True]

    def pull() -> None:
        subprocess.run(["umount", "--lazy", str(root)], check=True)
        mounted[0] = False

    try:
        yield pull
    finally:
        if mounted[0]:
            subprocess.run(["umount", "--lazy", str(root)])


def _can_mount(target: Path) -> bool:
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "shoebox-test", str(target)])
    return done.returncode == 0


def test_a_pulled_disk_gets_no_status_file_or_backup_in_its_place(tmp_path: Path) -> None:
    """Between two of the service's checks of its disk (every few s) the loop may publish
    its status or find a backup due: neither may land in the empty mount point (CI once saw
    `backups/` and `daemon.json` there)."""
    from appliance.catalog.backups import BackupError, take_backup
    from appliance.daemon import Daemon
    from appliance.library import Library

    root = tmp_path / "srv"
    with _mounted_disk(root) as pull:
        service = Daemon(Settings(library=root, library_disk=True), web=False)
        service.served = library_state(service.settings)
        assert service.served.available
        Library(root).ensure()
        service._publish(force=True)
        assert (root / "daemon.json").is_file()
        pull()
        service._publish(force=True)
        with pytest.raises(BackupError, match="no catalogue"):
            take_backup(Library(root).catalog_path, Library(root).backups)
        assert list(root.iterdir()) == []


def test_a_pulled_disk_gets_no_sidecar_written_in_its_place(tmp_path: Path) -> None:
    """The service's sidecar writer runs in its own thread, between the loop's checks of the
    disk: a decision's sidecar due just after the disk was pulled must wait for the disk
    (queued in the catalogue), not make `originals/...` (or, from the thread's first
    connection, an empty catalogue) in the empty mount point."""
    from ingest_helpers import ingest, make_jpeg, quick_settings

    from appliance.catalog.edits import set_text
    from appliance.catalog.models import SidecarPending
    from appliance.catalog.sidecars import SidecarFlusher
    from appliance.daemon import Daemon
    from appliance.library import Library

    root = tmp_path / "srv"
    with _mounted_disk(root) as pull:
        make_jpeg(tmp_path / "card" / "a.jpg", 1, "2021:05:01 10:00:00")
        (added,) = ingest(quick_settings(root), tmp_path / "card", policy="copy")
        service = Daemon(Settings(library=root, library_disk=True), web=False)
        service.served = library_state(service.settings)
        pull()
        set_text(added.photo_id, title="Grandma's garden")  # the catalogue is still open
        SidecarPending.update(due_at=dt.datetime(2000, 1, 1)).execute()  # due now
        flusher = SidecarFlusher(Library(root), interval=0.05, present=service._library_here)
        flusher.start()
        time.sleep(1.0)
        flusher.stop(final_flush=False)
        assert list(root.iterdir()) == []
        assert SidecarPending.select().count() == 1  # written when the disk is back


def test_service_waits_for_the_disk_starts_on_it_waits_when_pulled_and_resumes(
    tmp_path: Path,
) -> None:
    """The real `shoebox run`: no disk -> waiting page, nothing written; disk -> the web UI."""
    root = tmp_path / "srv"
    root.mkdir()
    port = _free_port()
    env = _env(SHOEBOX_LIBRARY_DISK="1", SHOEBOX_LABELS="0", SHOEBOX_FACES="0")
    command = [sys.executable, "-m", "appliance.cli", "--library", str(root), "run"]
    command += ["--inbox", str(root / "inbox"), "--port", str(port)]
    log = (tmp_path / "daemon.log").open("w")
    daemon = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    mounted = False
    try:
        status, body = _wait_for(f"http://127.0.0.1:{port}/setup", "waiting for the library disk")
        assert status == 503
        assert "setup" not in body.lower().replace("shoebox starts", "")
        assert list(root.iterdir()) == []  # nothing made under the empty mount point
        mounted = _can_mount(root)
        if not mounted:
            pytest.skip("cannot mount a tmpfs here (needs root): the resume part was not run")
        status, body = _wait_for(f"http://127.0.0.1:{port}/setup", "password", seconds=90)
        assert status == 200
        assert (root / "catalog.db").is_file() and (root / "inbox").is_dir()
        # Pulled while running: back to waiting (no crash), then resumed on the same library.
        subprocess.run(["umount", "--lazy", str(root)], check=True)
        mounted = False
        status, _ = _wait_for(f"http://127.0.0.1:{port}/", "waiting for the library disk")
        assert status == 503 and daemon.poll() is None
        assert list(root.iterdir()) == []
        mounted = _can_mount(root)
        assert mounted
        _wait_for(f"http://127.0.0.1:{port}/setup", "password", seconds=90)
        assert daemon.poll() is None
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            code = daemon.wait(timeout=60)
        finally:
            if daemon.poll() is None:
                daemon.kill()
            if mounted:
                subprocess.run(["umount", "--lazy", str(root)])
    log.close()
    assert code == 0, (tmp_path / "daemon.log").read_text()


def test_commands_refuse_an_absent_library_disk(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    root.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "appliance.cli", "--library", str(root), "status"],
        env=_env(SHOEBOX_LIBRARY_DISK="1"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 75, result.stderr
    assert "waiting for the library disk" in result.stderr
    assert list(root.iterdir()) == []
