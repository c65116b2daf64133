"""Removable volumes on real folders: DCIM discovery, UUIDs, unplug mid-import and return."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from appliance.ingest.volumes import (
    VolumeError,
    device_of,
    find_media_roots,
    iter_volume_media,
    volume_name,
    volume_uuid,
)
from tests.service.test_daemon_crash import daemon_env, make_jpegs, query, sha256, wait_for

UUID = "1A2B-3C4D"


def test_dcim_is_found_in_any_case_and_one_level_down(tmp_path: Path) -> None:
    (tmp_path / "card/dcim/100CANON").mkdir(parents=True)
    (tmp_path / "card/MISC").mkdir()
    assert find_media_roots(tmp_path / "card") == [tmp_path / "card/dcim"]
    (tmp_path / "phone/Internal/DCIM").mkdir(parents=True)
    assert find_media_roots(tmp_path / "phone") == [tmp_path / "phone/Internal/DCIM"]


def test_without_dcim_the_whole_volume_is_scanned(tmp_path: Path) -> None:
    (tmp_path / "stick/holiday").mkdir(parents=True)
    (tmp_path / "stick/holiday/a.jpg").write_bytes(b"a")
    (tmp_path / "stick/.Trashes").mkdir()
    (tmp_path / "stick/.Trashes/b.jpg").write_bytes(b"b")
    assert find_media_roots(tmp_path / "stick") == [tmp_path / "stick"]
    assert list(iter_volume_media(tmp_path / "stick")) == [tmp_path / "stick/holiday/a.jpg"]


def test_a_missing_volume_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(VolumeError, match="not a mounted folder"):
        find_media_roots(tmp_path / "gone")


def test_uuid_comes_from_udev_records_of_the_mounted_device(tmp_path: Path) -> None:
    mount = tmp_path / "media" / "my card"
    mount.mkdir(parents=True)
    escaped = str(mount).replace(" ", "\\040")
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
        f"97 27 8:17 / {escaped} ro,nosuid,nodev,noexec - vfat /dev/sdb1 ro\n"
    )
    udev = tmp_path / "udev"
    udev.mkdir()
    (udev / "b8:17").write_text(
        "S:disk/by-uuid/1A2B-3C4D\nE:ID_FS_TYPE=vfat\nE:ID_FS_UUID=1A2B-3C4D\n"
    )
    assert device_of(mount, mountinfo) == (8, 17)
    assert volume_uuid(mount, mountinfo, udev, tmp_path / "none") == UUID
    with pytest.raises(VolumeError, match="--uuid"):
        volume_uuid(tmp_path, mountinfo, udev, tmp_path / "none")


def test_the_volume_is_named_as_the_family_knows_it(tmp_path: Path) -> None:
    """An NTFS drive through ntfs-3g is a "fuseblk" mount of the partition's own device
    number, so udev's record names it too; a folder unknown to udev keeps its own name."""
    mount = tmp_path / "sdc1_9"
    mount.mkdir()
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        f"98 27 8:33 / {mount} ro,nosuid,nodev,noexec - fuseblk /dev/sdc1 ro,allow_other\n"
    )
    udev = tmp_path / "udev"
    udev.mkdir()
    (udev / "b8:33").write_text("E:ID_FS_TYPE=ntfs\nE:ID_FS_LABEL=FAMILY\nE:ID_FS_UUID=0A1B\n")
    assert volume_name(mount, mountinfo, udev) == "FAMILY, NTFS"
    assert volume_name(tmp_path, mountinfo, udev) == tmp_path.name


def run_import(library: Path, mount: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "appliance.cli", "--library", str(library), "import-volume"]
        + [str(mount), "--uuid", UUID],
        env=daemon_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def snapshot(folder: Path) -> dict[str, tuple[str, float]]:
    return {
        str(p.relative_to(folder)): (sha256(p), p.stat().st_mtime)
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_volume_unplugged_mid_import_resumes_without_duplicates(tmp_path: Path) -> None:
    library, mount, away = tmp_path / "library", tmp_path / "sdb1", tmp_path / "pulled"
    made = make_jpegs(mount / "DCIM" / "100CANON", 120, seed=9)
    (mount / "DCIM" / "100CANON" / "._IMG_0001.jpg").write_bytes(b"mac litter")
    before = snapshot(mount)
    importer = run_import(library, mount)
    wait_for(
        lambda: (
            (query(library, "SELECT COUNT(*) FROM job WHERE state = 'done'") or [(0,)])[0][0] >= 5
        ),
        60,
        "the import to start",
        poll=0.01,
    )
    mount.rename(away)  # the card is pulled
    out, err = importer.communicate(timeout=60)
    assert importer.returncode == 75, out + err
    states = dict(query(library, "SELECT state, COUNT(*) FROM job GROUP BY state"))
    assert states.get("paused", 0) > 0 and "failed" not in states, states

    new_mount = tmp_path / "sdc1"  # back, on another device name: same UUID
    away.rename(new_mount)
    again = run_import(library, new_mount)
    out, err = again.communicate(timeout=90)
    assert again.returncode == 0, out + err
    assert "resumed" in out

    files = query(library, "SELECT sha256 FROM file")
    assert sorted(f[0] for f in files) == sorted(made.values())  # nothing lost, no duplicate
    assert dict(query(library, "SELECT state, COUNT(*) FROM job GROUP BY state")) == {"done": 120}
    assert snapshot(new_mount) == before  # the volume was only read
    assert query(library, "PRAGMA integrity_check") == [("ok",)]

    third = run_import(library, new_mount)  # plugged in again: nothing new to do
    out, err = third.communicate(timeout=60)
    assert third.returncode == 0 and "0 new files queued" in out, out + err


def test_with_the_service_running_the_volume_is_handed_to_it(tmp_path: Path) -> None:
    from tests.service.test_daemon_crash import start_daemon, stop

    library, inbox, mount = tmp_path / "library", tmp_path / "inbox", tmp_path / "sdb1"
    inbox.mkdir()
    made = make_jpegs(mount / "Dcim", 20, seed=3)
    daemon = start_daemon(library, inbox)
    try:
        wait_for(lambda: (library / "daemon.json").exists(), 30, "the daemon to start")
        importer = run_import(library, mount)
        out, err = importer.communicate(timeout=60)
        assert importer.returncode == 0, out + err
        assert "the shoebox service is importing" in out
        assert stop(daemon) == 0
    finally:
        daemon.kill()
    assert sorted(f[0] for f in query(library, "SELECT sha256 FROM file")) == sorted(made.values())
    assert all(p.exists() for p in (mount / "Dcim").iterdir())  # copied, never moved


def test_import_volume_refuses_a_missing_mount(tmp_path: Path) -> None:
    proc = run_import(tmp_path / "library", tmp_path / "nothing")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "not a mounted folder" in err


_ = (os, shutil, signal, time)
