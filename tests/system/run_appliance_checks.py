"""`make test-appliance`: the real appliance in a Debian 12 VM, checked from the host.

Builds the VM disk (cached Debian rootfs + image-build/install.sh from a local wheelhouse,
offline), boots it with QEMU and checks what issue #16 lists: the service, the web UI on
ports 80 and 8080, the consumed setup file, avahi, USB hot-plug of FAT32 sticks (dirty and
write-protected; unplug mid-import and re-plug; a second card with the same names in the
same slot; a second plug), the sticks' bytes, a hard reset mid-import, peak memory. Prints
one line per check and a summary with the numbers; exits non-zero on the first failure.

    sudo .venv/bin/python tests/system/run_appliance_checks.py [--keep WORKDIR]

Needs root (chroot, mount), debootstrap, qemu-system-x86, mtools, dosfstools.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vm import (  # noqa: E402
    CACHE,
    REPO,
    Vm,
    VmError,
    blank_partitioned_disk,
    build_disk,
    log,
    make_stick,
    run,
    wait_until,
)

SETUP = 'username = "admin"\npassword = "a long passphrase for the family"\n'
BOOT_TIMEOUT = 900  # QEMU start to SSH; TCG on a 2-core box: ~150-300 s
ACTIVE_TIMEOUT = 600  # SSH to shoebox.service active
IMPORT_TIMEOUT = 1200  # one stick of a few photos, labels and faces on, TCG
WATCHDOG_WINDOW = 120  # the service must run this long (at least) without a restart
BACKUP_UNIT = "shoebox-backup-disk.service"
# The backup-disk run slowed down for the test, so the disk is surely pulled mid-backup.
BACKUP_THROTTLE = f"/run/systemd/system/{BACKUP_UNIT}.d/90-test-throttle.conf"
# README, "When the library disk dies": the backup disk mounted by hand for the restore.
MOUNT_BACKUP_DISK = "systemd-mount /dev/disk/by-label/SHOEBOX-BACKUP /srv/shoebox-backup"
summary: dict[str, object] = {}
# Mount points and options of the volumes being imported (/run/shoebox/volumes/sdb_7: a
# stick without a partition table, the 7th disk the kernel saw).
VOLUME_MOUNTS = "findmnt -rn -o TARGET,OPTIONS | awk '$1 ~ \"^/run/shoebox/volumes/\"'"
# Card A's import unit stops slowly (as when a worker still holds a file of the pulled
# card), so card C is plugged into the same slot while it is still stopping.
SLOW_STOP = "/run/systemd/system/shoebox-import@.service.d/90-test-slow-stop.conf"
# Corpus photos for the sticks, each used once: small portraits with one face (150x150) and
# one photo without a face (the cat, 451x300). Emulated (TCG) analysis is slow: a 500x375
# group photo with 7 faces took over 5 minutes of one emulated CPU (and its worker crashed,
# SIGSEGV), and a 600x400 one (coffee) took minutes on a loaded host: face detection tiles.
PHOTO_POOL = (
    "faces/dlib/johns/John_Savage/000291_01099214.jpg",
    "misc/skimage/chelsea.jpg",
    "faces/dlib/johns/John_Shimkus/000396_03227722.jpg",
    "faces/dlib/johns/John_Simm/000309_00470287.jpg",
    "faces/dlib/johns/John_Schneider/000326_00926139.jpg",
    "faces/dlib/johns/John_Salley/000179_02159509.jpg",
    "faces/dlib/johns/John_Salley/000197_02159525.jpg",
    "faces/dlib/johns/John_Savage/000289_01099139.jpg",
    "faces/dlib/johns/John_Shimkus/000383_03227939.jpg",
    "faces/dlib/johns/John_Simm/000306_00470223.jpg",
    "faces/dlib/johns/John_Schneider/000302_00925785.jpg",
    "faces/dlib/johns/John_Salley/000190_02159501.jpg",
    # the exFAT card, the NTFS drive and the phone (phase_devices)
    "faces/dlib/johns/John_Salley/000183_02159543.jpg",
    "faces/dlib/johns/John_Savage/000264_01099001.jpg",
    "faces/dlib/johns/John_Schneider/000288_00925786.jpg",
    "faces/dlib/johns/John_Shimkus/000373_03228153.jpg",
    "faces/dlib/johns/John_Simm/000288_00470387.jpg",
    "faces/dlib/johns/John_Salley/000189_02159361.jpg",
    "faces/dlib/johns/John_Savage/000274_01099061.jpg",
    "faces/dlib/johns/John_Schneider/000325_00925954.jpg",
    "faces/dlib/johns/John_Shimkus/000375_03227651.jpg",
    "faces/dlib/johns/John_Simm/000297_00470170.jpg",
    "faces/dlib/johns/John_Salley/000192_02159531.jpg",
    # a phone backing up over HTTPS (phase_phone_https)
    "faces/dlib/johns/John_Salley/000200_02159354.jpg",
    "faces/dlib/johns/John_Salley/000197_02159322.jpg",
)


def corpus_dir() -> Path:
    """The shared photo corpus: $SHOEBOX_CORPUS, else ../shared/corpus beside the repo."""
    candidates = [Path(os.environ["SHOEBOX_CORPUS"])] if os.environ.get("SHOEBOX_CORPUS") else []
    candidates += [REPO.parent / "shared/corpus", REPO.parent.parent / "shared/corpus"]
    for candidate in candidates:
        if (candidate / PHOTO_POOL[0]).is_file():
            return candidate
    raise VmError(f"photo corpus not found (looked in {candidates}); set SHOEBOX_CORPUS")


class Photos:
    """Hands out corpus photos, each once, as a stick's DCIM/100CANON/IMG_NNNN.JPG files."""

    def __init__(self, corpus: Path) -> None:
        self.left = [corpus / rel for rel in PHOTO_POOL]

    def take(self, count: int, names_from: int = 0) -> dict[str, bytes]:
        if count > len(self.left):
            raise VmError(f"the photo pool has {len(self.left)} photos left, {count} asked")
        chosen, self.left = self.left[:count], self.left[count:]
        return {
            f"DCIM/100CANON/IMG_{names_from + i:04d}.JPG": path.read_bytes()
            for i, path in enumerate(chosen)
        }


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hashes_of(photos: dict[str, bytes]) -> set[str]:
    return {sha(data) for data in photos.values()}


def stored_hashes(vm: Vm) -> list[str]:
    out = vm.sql("select sha256 from file where stored_path is not null")
    return [line for line in out.splitlines() if line]


def check(name: str, ok: bool, detail: str = "") -> None:
    log(f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")
    if not ok:
        raise VmError(f"{name}: {detail}")


def import_units(vm: Vm) -> dict[str, str]:
    """The shoebox-import@ units systemd knows: name -> ACTIVE state (active, deactivating,
    inactive, failed ...)."""
    out = vm.ssh(
        "systemctl list-units 'shoebox-import@*' --all --plain --no-legend | awk '{print $1, $3}'",
        check=False,
    )
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)


def imports_finished(vm: Vm) -> bool:
    """No import unit is starting, running or stopping."""
    return all(state in ("inactive", "failed") for state in import_units(vm).values())


def volume_mounts(vm: Vm) -> dict[str, str]:
    """Mounted removable volumes: mount point -> options."""
    out = vm.ssh(VOLUME_MOUNTS, check=False)
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)


def import_results(vm: Vm) -> str:
    """Result= of every shoebox-import@ unit systemd still knows."""
    return vm.ssh(
        "for u in $(systemctl list-units 'shoebox-import@*' --all --plain --no-legend"
        " | awk '{print $1}'); do systemctl show -p Result --value $u; done | sort -u"
        " | tr '\\n' ' '",
        check=False,
    ).strip()


def service(vm: Vm, prop: str) -> str:
    return vm.ssh(f"systemctl show -p {prop} --value shoebox", check=False)


def wait_imported(vm: Vm, wanted: set[str], what: str) -> float:
    """Wait until every photo of ``wanted`` is stored and the import unit has stopped."""
    start = time.monotonic()
    wait_until(
        f"every photo of {what} in the library ({len(wanted)})",
        lambda: wanted <= set(stored_hashes(vm)),
        IMPORT_TIMEOUT,
        10,
    )
    wait_until(f"the import unit of {what} to finish", lambda: imports_finished(vm), 300, 3)
    return time.monotonic() - start


def no_doubles(vm: Vm) -> None:
    hashes = stored_hashes(vm)
    files = vm.ssh("find /srv/shoebox/originals -type f -not -path '*/.incoming/*' | wc -l")
    check(
        "nothing doubled",
        len(hashes) == len(set(hashes)) == int(files),
        f"{len(hashes)} rows, {len(set(hashes))} distinct, {files} files",
    )


def waiting_for_disk(vm: Vm) -> str:
    """The service's sd_notify STATUS when it waits for its library disk, else ''."""
    status = service(vm, "StatusText")
    return status if "waiting for the library disk" in status else ""


def phase_boot_without_disk(vm: Vm) -> None:
    """Boot with the library disk absent: the service runs, waits, says so, offers no setup."""
    booted = vm.wait_for_ssh(BOOT_TIMEOUT)
    summary["boot_to_ssh_s"] = round(booted)
    wait_until(
        "shoebox.service active",
        lambda: service(vm, "ActiveState") == "active",
        ACTIVE_TIMEOUT,
        3,
    )
    summary["boot_to_active_s"] = round(time.monotonic() - vm.started)
    check(
        "shoebox.service active after boot",
        True,
        f"SSH after {booted:.0f} s, active after {summary['boot_to_active_s']} s",
    )
    check("watchdog configured", service(vm, "WatchdogUSec") == "5min", service(vm, "WatchdogUSec"))
    status = wait_until("STATUS: waiting for the library disk", lambda: waiting_for_disk(vm), 120)
    check("no library disk: the service waits and says so (STATUS)", True, status)
    code, body = wait_until(
        "the waiting page on 8080",
        lambda: vm.http_when("web", "/", 503),
        300,
        3,
    )
    check(
        "no library disk: the web UI says it waits (8080)",
        "waiting for its library disk" in body,
        f"HTTP {code}",
    )
    code, body = vm.http("web", "/setup")
    check(
        "no library disk: no setup page",
        code == 503 and "waiting" in body,
        f"HTTP {code}",
    )
    code, _ = vm.http("http", "/")
    check("web UI on port 80 (nftables redirect)", code == 503, f"HTTP {code}")
    empty = vm.ssh("mountpoint -q /srv/shoebox || ls -A /srv/shoebox | wc -l")
    check("nothing written under the empty mount point", empty == "0", f"{empty} entries")
    avahi = wait_until(
        "avahi to publish _http._tcp",
        lambda: "Shoebox" in vm.ssh("avahi-browse -rtp _http._tcp 2>/dev/null", check=False),
        180,
        5,
    )
    check("avahi publishes the web UI", bool(avahi))
    noise = vm.ssh(
        "journalctl -b --no-pager | grep -cE 'apex_0|Timed out waiting for device' || true"
    )
    check("no boot noise (apex_0, device timeout)", noise == "0", f"{noise} lines")


def phase_library_plugged(vm: Vm, library: Path) -> None:
    """Plug the library disk: the service starts on it, consumes the setup file."""
    plugged = time.monotonic()
    vm.plug("libdisk", library)
    wait_until(
        "the web UI on 8080 serving the library (/login 200)",
        lambda: vm.http("web", "/login")[0] == 200,
        600,
        3,
    )
    summary["library_plug_to_served_s"] = round(time.monotonic() - plugged)
    check(
        "library disk plugged: the service starts on it",
        vm.ssh("findmnt -n -o SOURCE /srv/shoebox", check=False).startswith("/dev/sd"),
        f"{summary['library_plug_to_served_s']} s",
    )
    code, _ = vm.http("http", "/login")
    check("web UI on port 80 (nftables redirect)", code == 200, f"HTTP {code}")
    consumed = vm.ssh(
        "ls /boot/firmware/shoebox-setup.toml /var/lib/shoebox/setup.toml 2>/dev/null | wc -l"
    )
    admins = vm.sql("select count(*) from user where role = 'admin'")
    check(
        "boot-partition setup file consumed, admin created",
        consumed == "0" and admins == "1",
        f"files left {consumed}, admins {admins}",
    )
    code, _ = vm.http("web", "/setup")
    check("setup page closed: the seeded admin exists (403)", code == 403, f"HTTP {code}")
    summary["watchdog_from"] = time.monotonic()
    summary["main_pid"] = service(vm, "MainPID")


def phase_usb(vm: Vm, work: Path, photos: Photos) -> None:
    card_a = photos.take(4)
    card_c = photos.take(2)  # the same names as card A's first two, other photos
    stick_w = photos.take(2, names_from=100)
    images = {}
    for name, files, vid, dirty, partitioned in (
        ("carda", card_a, "A1A1A1A1", True, False),
        ("cardc", card_c, "C3C3C3C3", False, False),
        ("stickw", stick_w, "B2B2B2B2", True, True),  # a partition, as cameras format cards
    ):
        images[name] = work / f"{name}.img"
        make_stick(images[name], files, name.upper(), vid, dirty=dirty, partitioned=partitioned)
    before = {name: sha(path.read_bytes()) for name, path in images.items()}
    a_hashes, c_hashes, w_hashes = hashes_of(card_a), hashes_of(card_c), hashes_of(stick_w)

    # Card A (FAT dirty bit set): plug, check the read-only mount, pull it mid-import.
    vm.ssh(
        f"mkdir -p {Path(SLOW_STOP).parent} && printf '[Service]\\nExecStopPost=/bin/sleep 15\\n'"
        f" >{SLOW_STOP} && systemctl daemon-reload"
    )
    started = time.monotonic()
    vm.plug("carda", images["carda"])
    mounts = wait_until("card A mounted", lambda: volume_mounts(vm), 300, 1)
    card_a_mount, options = next(iter(mounts.items()))
    check("volume mounted read-only", options.split(",")[0] == "ro", f"{card_a_mount} {options}")
    wait_until(
        "a first photo of card A", lambda: a_hashes & set(stored_hashes(vm)), IMPORT_TIMEOUT, 3
    )
    vm.unplug("carda")
    got = len(a_hashes & set(stored_hashes(vm)))
    summary["first_photo_s"] = round(time.monotonic() - started)
    summary["card_a_before_unplug"] = f"{got}/{len(a_hashes)}"
    check(
        "card A pulled mid-import",
        got < len(a_hashes),
        f"{got}/{len(a_hashes)} imported when pulled",
    )

    # Card C: the same slot, the same file names, other photos, put in at once, while card
    # A's import unit is still stopping (systemd dropped such a start: CI saw card C ignored).
    card_a_unit = wait_until(
        "card A's import unit to stop",
        lambda: next((u for u, st in import_units(vm).items() if st == "deactivating"), None),
        60,
        1,
    )
    vm.plug("cardc", images["cardc"])
    stopping = import_units(vm).get(card_a_unit, "gone")
    check(
        "card C plugged while card A's import unit was still stopping",
        stopping == "deactivating",
        f"{card_a_unit}: {stopping}",
    )
    seconds = wait_imported(vm, c_hashes, "card C")
    result = import_results(vm)
    check(
        "unplug mid-import leaves the unit successful (exit 75)",
        "exit-code" not in result,
        f"Result={result or '(unit collected)'}",
    )
    check(
        "card A's volume unmounted after the unplug",
        card_a_mount not in volume_mounts(vm),
        f"{card_a_mount}; mounted now: {sorted(volume_mounts(vm))}",
    )
    vm.ssh(f"rm {SLOW_STOP} && systemctl daemon-reload")
    vm.unplug("cardc")
    check(
        "second card with the same names in the same slot: all its photos",
        c_hashes <= set(stored_hashes(vm)),
        f"{len(c_hashes)} in {seconds:.0f} s",
    )

    # Card A back: resumes, nothing doubled.
    vm.plug("carda", images["carda"])
    seconds = wait_imported(vm, a_hashes, "card A (resumed)")
    vm.unplug("carda")
    check(
        "card A re-plugged: resumed, all its photos",
        a_hashes <= set(stored_hashes(vm)),
        f"{len(a_hashes) - got} more in {seconds:.0f} s",
    )
    no_doubles(vm)

    # Write-protected stick (a locked SD card), dirty bit set, its filesystem in a partition.
    known = set(import_units(vm))
    vm.plug("stickw", images["stickw"], read_only=True)
    unit = wait_until(
        "the write-protected stick's import unit",
        lambda: next(iter(set(import_units(vm)) - known), None),
        300,
        1,
    )
    check(
        "a partition's import unit is named after it and its disk's sequence number",
        re.fullmatch(r"shoebox-import@sd[a-z]1_\d+\.service", unit) is not None,
        unit,
    )
    seconds = wait_imported(vm, w_hashes, "the write-protected stick")
    count = len(stored_hashes(vm))
    vm.unplug("stickw")
    check("write-protected stick imported", w_hashes <= set(stored_hashes(vm)), f"{seconds:.0f} s")
    units_before = vm.ssh("journalctl -b --no-pager -o cat | grep -c 'new files queued' || true")
    vm.plug("stickw", images["stickw"], read_only=True)
    wait_until(
        "the second plug's import unit to run and finish",
        lambda: (
            vm.ssh(
                "journalctl -b --no-pager -o cat | grep -c 'new files queued' || true", check=False
            )
            != units_before
            and imports_finished(vm)
        ),
        600,
        3,
    )
    queued = vm.ssh("journalctl -b --no-pager -o cat | grep 'new files queued' | tail -1")
    vm.unplug("stickw")
    counts = re.search(r"(\d+) new files queued, (\d+) resumed", queued)
    check(
        "second plug imports nothing",
        len(stored_hashes(vm)) == count and bool(counts) and counts.groups() == ("0", "0"),
        f"{count} photos before and after; {queued}",
    )
    after = {name: sha(path.read_bytes()) for name, path in images.items()}
    check("stick images unchanged (SHA-256, dirty FAT bit included)", after == before)
    summary["photos_after_usb"] = len(stored_hashes(vm))


# Passwords a box must never accept (images built with a published password; empty).
KNOWN_PASSWORDS = ("", "raspberry", "change me", "shoebox", "admin", "password", "pi", "1234")
CHECK_PASSWORDS = r"""
import crypt, json, sys
known = json.loads(sys.argv[1])
for line in open("/etc/shadow"):
    user, hashed = line.split(":")[:2]
    usable = hashed[:1] not in ("!", "*")
    if hashed == "" or usable and any(crypt.crypt(p, hashed) == hashed for p in known):
        print(user)
"""
CAMERA_UNIT = "shoebox-import-camera.service"
# A udev rule of the test: the phone's "add" event without libgphoto2's ID_GPHOTO2 (as when
# its interfaces did not exist yet), so only its "bind" event names it a camera.
KNOWN_AT_BIND_FILE = "/run/udev/rules.d/61-shoebox-test-known-at-bind.rules"
KNOWN_AT_BIND = (
    'ACTION=="add", SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ENV{ID_GPHOTO2}=="1",'
    ' ENV{ID_GPHOTO2}=""'
)


def new_disk(vm: Vm, before: set[str]) -> str | None:
    """The disk the kernel added since ``before`` (names from lsblk), once it has one."""
    now = set(vm.ssh("lsblk -dnro NAME", check=False).split())
    added = sorted(now - before)
    return added[0] if added else None


def prepared_drive(vm: Vm, work: Path, name: str, fstype: str, photos: dict[str, bytes]) -> Path:
    """A partitioned drive as a family has it, formatted and filled in the VM (where the
    tools are: exFAT as a camera formats a card, NTFS as Windows formats a drive), then
    unplugged: the image later plugged in as the family's device."""
    image = blank_partitioned_disk(work / f"{name}.img", 64, 0x07)
    disks = set(vm.ssh("lsblk -dnro NAME").split())
    vm.plug(f"prep{name}", image)
    disk = wait_until(f"{name}'s disk in the VM", lambda: new_disk(vm, disks), 120, 1)
    part = f"/dev/{disk}1"
    wait_until(f"{part}", lambda: vm.ssh(f"test -b {part} && echo y", check=False) == "y", 60, 1)
    mkfs = {"exfat": f"mkfs.exfat -L {name.upper()}", "ntfs": f"mkntfs -Q -L {name.upper()}"}
    mount = {"exfat": "mount", "ntfs": "mount -t ntfs-3g"}
    vm.ssh(f"{mkfs[fstype]} {part} && mkdir -p /mnt/prep && {mount[fstype]} {part} /mnt/prep")
    for rel, data in photos.items():
        vm.ssh(f"mkdir -p /mnt/prep/{Path(rel).parent}")
        vm.put(f"/mnt/prep/{rel}", data)
    vm.ssh("umount /mnt/prep && sync")
    vm.unplug(f"prep{name}")
    return image


def drive_pulled_and_replugged(vm: Vm, image: Path, fstype: str, files: dict[str, bytes]) -> None:
    """Plug a drive, pull it after its first photo, plug it again: every photo, no failed
    unit, the service unharmed, the drive's bytes unchanged."""
    name = image.stem
    before = sha(image.read_bytes())
    wanted = hashes_of(files)
    started = time.monotonic()
    vm.plug(name, image)
    mounts = wait_until(f"{name} mounted", lambda: volume_mounts(vm), 300, 1)
    _, options = next(iter(mounts.items()))
    check(f"{fstype} drive mounted read-only", options.split(",")[0] == "ro", options)
    wait_until(
        f"a first photo of {name}", lambda: wanted & set(stored_hashes(vm)), IMPORT_TIMEOUT, 2
    )
    vm.unplug(name)
    got = len(wanted & set(stored_hashes(vm)))
    summary[f"{fstype}_first_photo_s"] = round(time.monotonic() - started)
    wait_until(f"{name}'s import unit to stop", lambda: imports_finished(vm), 300, 2)
    check(
        f"{fstype} drive pulled mid-import: no failed unit, the service runs on",
        got < len(wanted)
        and "failed" not in import_results(vm)
        and service(vm, "ActiveState") == "active"
        and service(vm, "NRestarts") == "0",
        f"{got}/{len(wanted)} imported when pulled, units: {import_results(vm)},"
        f" service {service(vm, 'ActiveState')} NRestarts={service(vm, 'NRestarts')}",
    )
    vm.plug(name, image)
    took = wait_imported(vm, wanted, name)
    vm.unplug(name)
    summary[f"{fstype}_replug_s"] = round(took)
    check(
        f"{fstype} drive re-plugged: every photo",
        wanted <= set(stored_hashes(vm)) and "failed" not in import_results(vm),
        f"{len(wanted)} in {took:.0f} s, units: {import_results(vm)}",
    )
    after = sha(image.read_bytes())
    check(f"{fstype} drive never written", after == before, f"SHA-256 {before} -> {after}")


def phase_devices(vm: Vm, work: Path, photos: Photos) -> None:
    """Issue 25: an exFAT card and an NTFS drive (partitioned, as they come) and a phone by
    cable (QEMU's MTP device); each pulled mid-import, then imported whole; nothing
    written to any of them. And no account of the box accepts a published password."""
    for name, fstype in (("exfatcard", "exfat"), ("ntfsdrive", "ntfs")):
        files = photos.take(4, names_from=500 if fstype == "exfat" else 600)
        drive_pulled_and_replugged(vm, prepared_drive(vm, work, name, fstype, files), fstype, files)

    # A phone by cable, with a video big enough to be pulled mid-download.
    phone = work / "phone"
    camera_roll = phone / "DCIM/Camera"
    camera_roll.mkdir(parents=True)
    shots = photos.take(3, names_from=700)
    for rel, data in shots.items():
        (camera_roll / f"IMG_{Path(rel).stem[-4:]}.jpg").write_bytes(data)
    run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi"]
        + ["-i", "testsrc2=s=1280x720:r=30,noise=alls=30:allf=t,format=yuv420p"]
        + ["-f", "lavfi", "-i", "anoisesrc=d=10", "-t", "10", "-c:v", "libx264"]
        + ["-preset", "ultrafast", "-crf", "29", "-c:a", "aac", "-shortest"]
        + ["-movflags", "+faststart", str(camera_roll / "VID_0001.mp4")]
    )
    phone_files = {p: sha(p.read_bytes()) for p in sorted(phone.rglob("*")) if p.is_file()}
    wanted = set(phone_files.values())
    since = vm_clock(vm)
    vm.plug_phone("phone", phone)
    wait_until(
        "the phone's download under way (gphoto2's temporary file in staging)",
        lambda: vm.ssh("ls /srv/shoebox/staging/*/tmpfile* 2>/dev/null | head -1", check=False),
        600,
        0.5,
    )
    vm.unplug("phone")
    said = wait_for_run(vm, CAMERA_UNIT, since, "the camera unit to stop after the pull", 300)
    got = len(wanted & set(stored_hashes(vm)))
    check(
        "phone pulled mid-download: treated like a pulled stick (exit 75, no failed unit)",
        "the next plug resumes" in said
        and "Failed with result" not in said
        and service(vm, "NRestarts") == "0",
        f"{got}/{len(wanted)} imported; " + " | ".join(said.strip().splitlines()[-3:]),
    )
    # Plugged again as a phone whose interfaces the kernel makes only while binding it:
    # libgphoto2's rules know it at "bind", not at "add" (a CI run plugged the phone again
    # and no import started). A rule of the test hides ID_GPHOTO2 from the "add" event.
    vm.ssh(
        f"mkdir -p {Path(KNOWN_AT_BIND_FILE).parent} && echo {shlex.quote(KNOWN_AT_BIND)}"
        f" >{KNOWN_AT_BIND_FILE} && udevadm control --reload"
    )
    since = vm_clock(vm)
    started = time.monotonic()
    vm.plug_phone("phone", phone)
    wait_until(
        f"every file of the phone in the library ({len(wanted)})",
        lambda: wanted <= set(stored_hashes(vm)),
        IMPORT_TIMEOUT,
        5,
    )
    said = wait_for_run(vm, CAMERA_UNIT, since, "the camera unit to finish", 300)
    vm.ssh(f"rm {KNOWN_AT_BIND_FILE} && udevadm control --reload")
    summary["phone_s"] = round(time.monotonic() - started)
    check(
        "phone by cable (MTP): every photo and the video imported",
        "Deactivated successfully" in said and "Failed with result" not in said,
        f"{len(wanted)} files in {summary['phone_s']} s; "
        + " | ".join(line for line in said.splitlines() if "files from the camera" in line),
    )
    vm.unplug("phone")
    unchanged = {p: sha(p.read_bytes()) for p in phone_files} == phone_files
    check("the phone's files untouched", unchanged, f"{len(phone_files)} files, SHA-256 same")

    # A locked phone (or "charging only"): no file visible; the family is told what to do,
    # in the journal and on the status page.
    locked = work / "locked-phone"
    (locked / "DCIM").mkdir(parents=True)
    since = vm_clock(vm)
    vm.plug_phone("locked", locked)
    said = wait_for_run(vm, CAMERA_UNIT, since, "the camera unit to run for the locked phone", 300)
    vm.unplug("locked")
    page = shoebox(vm, "status || true")
    check(
        "a phone showing no file: the family is told to unlock it (journal, status)",
        "choose File transfer" in said
        and "Failed with result" not in said
        and "choose File transfer" in page,
        next((line for line in page.splitlines() if "File transfer" in line), said[-300:]),
    )

    accepted = vm.ssh(
        f"python3 -W ignore -c {shlex.quote(CHECK_PASSWORDS)}"
        f" {shlex.quote(json.dumps(KNOWN_PASSWORDS))}"
    )
    check(
        "no account accepts an empty or published password",
        accepted == "",
        f"accepted by: {accepted}" if accepted else f"{len(KNOWN_PASSWORDS)} tried",
    )


SHARE_USER, SHARE_PASSWORD = "camera", "a share passphrase for the test"
ADMIN, ADMIN_PASSWORD = "admin", "a long passphrase for the family"  # SETUP


class WebSession:
    """A browser's session with the web UI through the forwarded port: signed in, with the
    CSRF token a page carries."""

    def __init__(self, vm: Vm) -> None:
        import http.cookiejar
        import urllib.request

        self.base = f"http://127.0.0.1:{vm.ports['web']}"
        cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(cookies)
        self.csrf = ""

    def _token(self, path: str) -> str:
        page = self.opener.open(self.base + path, timeout=60).read().decode()
        return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def sign_in(self, username: str, password: str) -> None:
        import urllib.parse

        form = {"username": username, "password": password, "csrf_token": self._token("/login")}
        self.opener.open(self.base + "/login", urllib.parse.urlencode(form).encode(), timeout=60)
        self.csrf = self._token("/settings")

    def call(self, method: str, path: str, body: object | None = None) -> tuple[int, object]:
        import urllib.error
        import urllib.request

        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("X-CSRF-Token", self.csrf)
        request.add_header("Content-Type", "application/json")
        try:
            with self.opener.open(request, timeout=60) as reply:
                return reply.status, json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")


def phase_share(vm: Vm, work: Path, photos: Photos) -> None:
    """The camera share (install.sh --samba, as the image is built): an admin gives it an
    account on the settings page's API (no shell); a photo put with smbclient from the
    host, as a computer on the LAN would, lands in the library."""
    web = WebSession(vm)
    web.sign_in(ADMIN, ADMIN_PASSWORD)
    status, state = web.call(
        "PUT", "/api/v1/camera-share", {"username": SHARE_USER, "password": SHARE_PASSWORD}
    )
    check("the share's account asked for (PUT /api/v1/camera-share)", status == 200, str(state))
    state = wait_until(
        "the share's account applied by the root helper",
        lambda: not (s := web.call("GET", "/api/v1/camera-share")[1])["pending"] and s,
        120,
        1,
    )
    check(
        "the share's account applied: on, no error",
        state["enabled"] and state["username"] == SHARE_USER and state["error"] is None,
        str(state),
    )
    [(_, data)] = photos.take(1, names_from=800).items()
    local = work / "IMG_0800.JPG"
    local.write_bytes(data)
    started = time.monotonic()
    put = subprocess.run(
        ["smbclient", "//127.0.0.1/inbox", "-p", str(vm.ports["smb"])]
        + ["-U", f"{SHARE_USER}%{SHARE_PASSWORD}", "-c", f"put {local} IMG_0800.JPG"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    wrong = subprocess.run(
        ["smbclient", "//127.0.0.1/inbox", "-p", str(vm.ports["smb"])]
        + ["-U", f"{SHARE_USER}%not the password", "-c", "ls"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    check(
        "the share refuses a wrong password",
        wrong.returncode != 0,
        (wrong.stdout + wrong.stderr).strip()[-120:],
    )
    check(
        "a photo put on the camera share (smbclient from the host)",
        put.returncode == 0,
        (put.stdout + put.stderr).strip()[-300:] or "ok",
    )
    wait_until(
        "the shared photo in the library",
        lambda: sha(data) in stored_hashes(vm),
        IMPORT_TIMEOUT,
        3,
    )
    summary["share_s"] = round(time.monotonic() - started)
    left = vm.ssh("find /srv/shoebox/inbox -type f | wc -l")
    check("the camera share's photo imported", left == "0", f"{summary['share_s']} s")


def phase_phone_https(vm: Vm, work: Path, photos: Photos) -> None:
    """A phone backs up over HTTPS on port 443 (install.sh --https, as the image is built):
    the box made its own certificates at boot; the client (the real rclone) trusts only the
    box's authority, read over SSH (pinned), whose fingerprint the Phones page shows."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    states = vm.ssh("systemctl is-active shoebox-certificate.service nginx.service", check=False)
    check("nginx and the certificate unit are active", states.split() == ["active"] * 2, states)
    pinned = work / "box-ca.pem"
    pinned.write_text(vm.ssh("cat /etc/shoebox/tls/ca.pem") + "\n")
    keys = vm.ssh("stat -c '%a %U' /etc/shoebox/tls/ca-key.pem /etc/shoebox/tls/server-key.pem")
    check("the certificate keys are root's only", keys.split() == ["600", "root"] * 2, keys)
    ca = x509.load_pem_x509_certificate(pinned.read_bytes())
    web = WebSession(vm)
    web.sign_in(ADMIN, ADMIN_PASSWORD)
    status, phones = web.call("GET", "/api/v1/phones")
    shown = (phones.get("https") or {}).get("fingerprint") if status == 200 else None
    check(
        "the Phones page shows the box's authority fingerprint",
        shown == ca.fingerprint(hashes.SHA256()).hex(":").upper(),
        str(shown),
    )
    status, added = web.call("POST", "/api/v1/phones", {"name": "Pixel over HTTPS"})
    check("a phone added on the Phones page", status == 201, str(added)[:200])
    check(
        "phones are given the https address",
        str(added.get("webdav", "")).startswith("https://"),
        str(added.get("webdav")),
    )
    camera = work / "phone-https"
    camera.mkdir(exist_ok=True)
    sent = photos.take(2, names_from=900)
    for name, data in sent.items():
        (camera / name).parent.mkdir(parents=True, exist_ok=True)
        (camera / name).write_bytes(data)
    rclone = shutil.which("rclone")
    obscured = run([rclone, "obscure", added["password"]], capture_output=True).stdout.strip()
    env = {
        **os.environ,
        "RCLONE_CONFIG": "/dev/null",
        "RCLONE_CONFIG_PHONE_TYPE": "webdav",
        "RCLONE_CONFIG_PHONE_URL": f"https://127.0.0.1:{vm.ports['https']}/remote.php/dav/files/{ADMIN}",
        "RCLONE_CONFIG_PHONE_VENDOR": "nextcloud",
        "RCLONE_CONFIG_PHONE_USER": ADMIN,
        "RCLONE_CONFIG_PHONE_PASS": obscured,
    }
    started = time.monotonic()
    copy = subprocess.run(
        [rclone, "copy", str(camera), "phone:DCIM", "--ca-cert", str(pinned), "-v"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    check("rclone backs up over HTTPS, the box's authority pinned", copy.returncode == 0,
          copy.stderr.strip()[-300:] or "ok")  # fmt: skip
    unpinned = subprocess.run(
        [rclone, "lsd", "phone:", "--retries", "1"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    check("without the pin the certificate is not trusted", "x509" in unpinned.stderr,
          unpinned.stderr.strip()[-200:])  # fmt: skip
    wait_until(
        "the phone's photos in the library",
        lambda: hashes_of(sent) <= set(stored_hashes(vm)),
        IMPORT_TIMEOUT,
        3,
    )
    summary["phone_https_s"] = round(time.monotonic() - started)
    again = subprocess.run(
        [rclone, "copy", str(camera), "phone:DCIM", "--ca-cert", str(pinned), "-v"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    check(
        "a second backup sends nothing",
        again.returncode == 0 and "Copied" not in again.stderr,
        again.stderr.strip()[-200:],
    )


def phase_library_pull(vm: Vm, library: Path) -> None:
    """Pull the library disk while the service runs: it waits; plug it back: it resumes."""
    photos_before = len(stored_hashes(vm))
    vm.unplug("libdisk")
    status = wait_until("STATUS: waiting for the library disk", lambda: waiting_for_disk(vm), 300)
    code, body = wait_until(
        "the waiting page on 8080 after the pull",
        lambda: vm.http_when("web", "/login", 503),
        120,
        3,
    )
    check("library disk pulled: the service waits and says so", "waiting" in body, status)
    # An observation window, not a delay: a crash loop would show within it.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = service(vm, "ActiveState")
        if state != "active" or service(vm, "NRestarts") != "0":
            break
        time.sleep(3)
    check(
        "library disk pulled: no crash, no restart",
        service(vm, "ActiveState") == "active" and service(vm, "NRestarts") == "0",
        f"{service(vm, 'ActiveState')}, NRestarts={service(vm, 'NRestarts')}",
    )
    empty = vm.ssh("mountpoint -q /srv/shoebox || ls -A /srv/shoebox | wc -l")
    check("nothing written under the empty mount point", empty == "0", f"{empty} entries")
    plugged = time.monotonic()
    vm.plug("libdisk", library)
    wait_until(
        "the library served again (/login 200)",
        lambda: vm.http("web", "/login")[0] == 200,
        300,
        3,
    )
    summary["library_replug_to_served_s"] = round(time.monotonic() - plugged)
    check(
        "library disk back: the service resumes",
        len(stored_hashes(vm)) == photos_before and vm.sql("pragma integrity_check") == "ok",
        f"{photos_before} photos, integrity ok, {summary['library_replug_to_served_s']} s",
    )


def phase_reset(vm: Vm, work: Path, photos: Photos) -> None:
    files = photos.take(3, names_from=200)
    wanted = hashes_of(files)
    image = work / "stickr.img"
    make_stick(image, files, "STICKR", "D4D4D4D4")
    vm.plug("stickr", image)
    wait_until(
        "a first photo of the reset stick",
        lambda: wanted & set(stored_hashes(vm)),
        IMPORT_TIMEOUT,
        3,
    )
    committed = set(stored_hashes(vm))  # every row a reader saw committed before the cut
    vm.reset()
    log(f"system_reset (hard reset) mid-import, {len(committed)} photos committed")
    vm.wait_for_ssh(BOOT_TIMEOUT)
    wait_until(
        "the library served again after the reset (/login 200)",
        lambda: vm.http("web", "/login")[0] == 200,
        ACTIVE_TIMEOUT,
        3,
    )
    summary["reset_boot_to_served_s"] = round(time.monotonic() - vm.started)
    kept = len(wanted & set(stored_hashes(vm)))
    summary["reset_kept"] = f"{kept}/{len(wanted)}"
    integrity = vm.sql("pragma integrity_check")
    check("catalogue integrity after the reset", integrity == "ok", integrity)
    lost = committed - set(stored_hashes(vm))
    check(
        "every photo committed before the reset is still catalogued",
        not lost,
        f"{len(committed) - len(lost)}/{len(committed)}",
    )
    seconds = wait_imported(vm, wanted, "the reset stick (resumed after boot)")
    vm.unplug("stickr")
    check(
        "reset stick: every photo after the reset",
        wanted <= set(stored_hashes(vm)),
        f"{kept}/{len(wanted)} kept by the reset, the rest in {seconds:.0f} s",
    )
    leftovers = vm.ssh("find /srv/shoebox/originals/.incoming -type f | wc -l")
    check(".incoming clean", leftovers == "0", leftovers)
    missing = vm.ssh(
        "cd /srv/shoebox && sqlite3 -readonly catalog.db 'select stored_path from file"
        ' where stored_path is not null\' | while read -r f; do [ -f "originals/$f" ] ||'
        ' [ -f "$f" ] || echo "$f"; done | wc -l'
    )
    check("nothing lost: every catalogued file is on the disk", missing == "0", f"{missing}")
    no_doubles(vm)
    summary["reset"] = "ok"


def phase_memory(vm: Vm, label: str) -> None:
    cgroup = "/sys/fs/cgroup/system.slice/shoebox.service"
    peak = int(vm.ssh(f"cat {cgroup}/memory.peak"))
    limit = service(vm, "MemoryMax")
    summary[f"service_peak_mib_{label}"] = peak // 2**20
    check(
        f"service peak memory under MemoryMax ({label})",
        peak < int(limit),
        f"{peak // 2**20} MiB of {int(limit) // 2**20} MiB",
    )
    ooms = vm.ssh("journalctl -b --no-pager | grep -ciE 'out of memory|oom-kill' || true")
    check("no OOM kill", ooms == "0", f"{ooms} lines")
    labels = vm.sql("select count(*) from photo_label")
    faces = vm.sql("select count(*) from face")
    summary[f"labels_faces_{label}"] = f"{labels}/{faces}"
    check(
        "labels and faces on", int(labels) > 0 and int(faces) > 0, f"{labels} labels, {faces} faces"
    )


def phase_watchdog(vm: Vm) -> None:
    """The same main process all along, no restarts, for at least WATCHDOG_WINDOW s (the
    phases before may take less now: the rest of the window is waited out)."""
    since = float(summary.pop("watchdog_from"))  # type: ignore[arg-type]
    time.sleep(max(0.0, WATCHDOG_WINDOW + 1 - (time.monotonic() - since)))
    watched = time.monotonic() - since
    pid, restarts = service(vm, "MainPID"), service(vm, "NRestarts")
    summary["watchdog_watched_s"] = round(watched)
    check(
        "sd_notify watchdog: no restart",
        watched >= WATCHDOG_WINDOW and pid == summary.pop("main_pid") and restarts == "0",
        f"{watched:.0f} s, MainPID {pid}, NRestarts {restarts}",
    )


def shoebox(vm: Vm, args: str, timeout: float = 600) -> str:
    """A `shoebox` command run as the service's user beside the service (as a family would)."""
    return vm.ssh(
        f"runuser -u shoebox -- env SHOEBOX_CONFIG=/etc/shoebox/shoebox.toml"
        f" /opt/shoebox/bin/shoebox {args}",
        timeout=timeout,
    )


def backup_disk_report(vm: Vm) -> dict[str, object]:
    """The target ``backup-disk`` in `library-backup status --json` ({} when not there)."""
    out = vm.ssh(
        "runuser -u shoebox -- env SHOEBOX_CONFIG=/etc/shoebox/shoebox.toml"
        " /opt/shoebox/bin/shoebox library-backup status --json",
        check=False,
    )
    try:
        targets = json.loads(out)["targets"]
    except (ValueError, KeyError):
        return {}
    return next((t for t in targets if t.get("name") == "backup-disk"), {})


def vm_clock(vm: Vm) -> str:
    """The VM's clock, for `journalctl --since` (the VM's and the host's clocks differ)."""
    return vm.ssh("date +%s")


def unit_journal(vm: Vm, unit: str, since: str) -> str:
    """What ``unit`` logged since the VM time ``since`` (journal lines as text)."""
    return vm.ssh(f"journalctl -u {unit} --since @{since} --no-pager -o cat", check=False)


def wait_for_run(vm: Vm, unit: str, since: str, what: str, timeout: float) -> str:
    """Wait until a run of ``unit`` started after ``since`` has ended; its journal text from
    its start."""
    return wait_until(
        what,
        lambda: (text := this_run(unit_journal(vm, unit, since))) and run_ended(text) and text,
        timeout,
        2,
    )


def this_run(journal: str) -> str:
    """The journal text from the first start of the unit on. ``--since`` counts whole
    seconds, so the end of the run before can come first: a phone plugged within the second
    the last phone's unit ended was taken as done before its unit had started (CI)."""
    begun = journal.find("Starting ")
    return journal[begun:] if begun >= 0 else ""


def run_ended(journal: str) -> bool:
    """A unit run in this journal text has ended (successfully or not)."""
    return "Deactivated successfully" in journal or "Failed with result" in journal


def backup_unit(vm: Vm, prop: str) -> str:
    return vm.ssh(f"systemctl show -p {prop} --value {BACKUP_UNIT}", check=False)


def phase_library_backup(vm: Vm, work: Path) -> None:
    """Issue 23 on the real image: a SHOEBOX-BACKUP disk plugged in fills by itself; pulled
    mid-backup it leaves a repository the next plug completes; then the library disk is
    replaced by a new empty one and restored from the backup disk, decisions included."""
    if vm.sql("select count(*) from person") == "0":
        shoebox(vm, "faces --recluster", timeout=1200)  # people from the faces found
    person = vm.sql("select id from person order by id limit 1")
    shoebox(vm, f"people name {person} --name Grandma Rose")
    photo = vm.sql("select id from photo order by id limit 1")
    shoebox(vm, f"edit text {photo} --title 'The garden in June'")
    photos = set(stored_hashes(vm))
    backup = work / "backup.img"
    run(["mkfs.ext4", "-q", "-L", "SHOEBOX-BACKUP", str(backup), "1G"])

    # Plugged with the run slowed down (10 % of a CPU), pulled while restic backs up.
    vm.ssh(
        f"mkdir -p {Path(BACKUP_THROTTLE).parent} && printf '[Service]\\nCPUQuota=10%%\\n'"
        f" >{BACKUP_THROTTLE} && systemctl daemon-reload"
    )
    vm.plug("backup", backup)
    wait_until(
        "restic backing up to the plugged disk",
        lambda: vm.ssh("pgrep -f '[r]estic .*backup --json' >/dev/null && echo yes", check=False),
        900,
        1,
    )
    vm.unplug("backup")
    wait_until(
        "the backup-disk unit to stop after the pull",
        lambda: backup_unit(vm, "ActiveState") in ("inactive", "failed"),
        300,
        2,
    )
    check(
        "backup disk pulled mid-backup: the unit stops cleanly, the service runs on",
        backup_unit(vm, "Result") == "success"
        and service(vm, "ActiveState") == "active"
        and service(vm, "NRestarts") == "0",
        f"unit {backup_unit(vm, 'Result')}, service NRestarts={service(vm, 'NRestarts')}",
    )
    check(
        "no good backup claimed for the pulled run",
        not backup_disk_report(vm).get("last_success"),
        str(backup_disk_report(vm)),
    )

    # Plugged again at full speed: the backup completes and is checked.
    vm.ssh(f"rm -f {BACKUP_THROTTLE} && systemctl daemon-reload")
    plugged = time.monotonic()
    vm.plug("backup", backup)
    report = wait_until(
        "a good backup on the disk (library-backup status)",
        lambda: (r := backup_disk_report(vm)).get("last_success") and r,
        1800,
        10,
    )
    wait_until(
        "the backup-disk unit to finish",
        lambda: backup_unit(vm, "ActiveState") in ("inactive", "failed"),
        300,
        2,
    )
    summary["backup_disk_s"] = round(time.monotonic() - plugged)
    check(
        "backup disk re-plugged: the backup completes, nothing left to back up",
        report.get("photos_not_backed_up") == 0 and backup_unit(vm, "Result") == "success",
        f"{summary['backup_disk_s']} s, {report}",
    )
    vm.unplug("backup")

    # The library disk dies: a new empty SHOEBOX disk, then the README's restore steps.
    vm.ssh("systemctl stop shoebox")
    vm.unplug("libdisk")
    fresh = work / "library-new.img"
    library_disk_image(fresh)
    vm.plug("libdisk2", fresh)
    wait_until(
        "the new library disk mounted",
        lambda: vm.ssh("findmnt -n -o SOURCE /srv/shoebox", check=False).startswith("/dev/sd"),
        300,
        2,
    )
    since = vm_clock(vm)
    vm.plug("backup", backup)
    # The unit is inactive before udev has even seen the disk, and systemd forgets an
    # inactive unit's properties: wait for the journal of a run that started after the plug.
    said = wait_for_run(
        vm, BACKUP_UNIT, since, "the backup-disk unit to run and leave the empty library alone", 600
    )
    check(
        "a backup disk plugged beside an empty new library disk: nothing backed up",
        "no library at /srv/shoebox" in said
        and "Deactivated successfully" in said
        and not vm.ssh("findmnt -n /srv/shoebox-backup", check=False),
        said.strip().splitlines()[-1] if said.strip() else "no journal",
    )
    started = time.monotonic()
    vm.ssh(f"{MOUNT_BACKUP_DISK}")
    out = shoebox(vm, "library-backup restore backup-disk --to /srv/shoebox", timeout=1800)
    vm.ssh("systemd-umount /srv/shoebox-backup")
    vm.ssh("systemctl start shoebox")
    wait_until(
        "the restored library served (/login 200)",
        lambda: vm.http("web", "/login")[0] == 200,
        ACTIVE_TIMEOUT,
        3,
    )
    summary["restore_s"] = round(time.monotonic() - started)
    back = set(stored_hashes(vm))
    missing = vm.ssh(
        "cd /srv/shoebox && sqlite3 -readonly catalog.db 'select stored_path from file"
        ' where stored_path is not null\' | while read -r f; do [ -f "originals/$f" ] ||'
        ' [ -f "$f" ] || echo "$f"; done | wc -l'
    )
    check(
        "library restored from the backup disk: every photo, on disk",
        back == photos and missing == "0" and vm.sql("pragma integrity_check") == "ok",
        f"{len(back)}/{len(photos)} photos, {missing} files missing,"
        f" {summary['restore_s']} s; {out.splitlines()[-1] if out else ''}",
    )
    named = vm.sql("select count(*) from person where name = 'Grandma Rose'")
    title = vm.sql(f"select title from photo where id = {photo}")
    check(
        "the family's decisions are back (a named person, a title)",
        named == "1" and title == "The garden in June",
        f"person named: {named}, title: {title!r}",
    )
    vm.unplug("backup")


JOURNAL_OF_INTEREST = re.compile(r"shoebox|gphoto|mtp|udev|usb \d|systemd\[1\]", re.IGNORECASE)


def save_artifacts(vm: Vm, artifacts: Path) -> None:
    """The VM's journal and the serial console beside the log (best effort)."""
    try:
        journal = vm.ssh("journalctl -b --no-pager -o short-monotonic", timeout=120, check=False)
        (artifacts / "vm-journal.log").write_text(journal)
    except (OSError, subprocess.SubprocessError, VmError) as exc:
        log(f"could not save the VM journal: {exc}")
    if vm.serial.exists():
        shutil.copy(vm.serial, artifacts / "vm-serial.log")


def library_disk_image(path: Path) -> None:
    """An empty ext4 disk labelled SHOEBOX: the library disk."""
    path.unlink(missing_ok=True)
    run(["mkfs.ext4", "-q", "-L", "SHOEBOX", str(path), "1G"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument(
        "--artifacts", type=Path, default=REPO / "test-artifacts/appliance", help="logs go here"
    )
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="shoebox-vm-", dir="/var/tmp"))
    work.mkdir(parents=True, exist_ok=True)
    args.artifacts.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    photos = Photos(corpus_dir())
    wheelhouse = CACHE / "wheelhouse-amd64"
    # Always rebuilt: the shoebox wheel of this checkout (dependencies come from pip's cache).
    run([str(REPO / "tests/system/build-wheelhouse.sh"), str(wheelhouse)])
    disk, kernel, initrd = build_disk(
        work, wheelhouse, install_options=("--library-disk", "--samba"), setup_file=SETUP
    )
    library = work / "library.img"
    library_disk_image(library)
    summary["build_s"] = round(time.monotonic() - started)
    vm = Vm(work, disk, kernel, initrd)
    failure = ""
    try:
        with vm:
            try:
                phase_boot_without_disk(vm)
                phase_library_plugged(vm, library)
                phase_usb(vm, work, photos)
                phase_memory(vm, "usb")
                phase_watchdog(vm)
                phase_devices(vm, work, photos)
                phase_share(vm, work, photos)
                phase_phone_https(vm, work, photos)
                phase_library_pull(vm, library)
                phase_reset(vm, work, photos)
                phase_memory(vm, "reset")
                phase_library_backup(vm, work)
            except (VmError, OSError, subprocess.SubprocessError) as exc:
                failure = str(exc) or repr(exc)
            save_artifacts(vm, args.artifacts)  # while the VM still runs
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if failure:
        log(f"FAILED: {failure}")
        print("--- last lines of the serial console ---")
        serial = args.artifacts / "vm-serial.log"
        if serial.exists():
            print("\n".join(serial.read_text(errors="replace").splitlines()[-40:]))
        journal = args.artifacts / "vm-journal.log"
        if journal.exists():  # CI shows only this output: what the units said last
            print("--- last lines of the VM journal from shoebox, gphoto2, udev and systemd ---")
            lines = journal.read_text(errors="replace").splitlines()
            print("\n".join([line for line in lines if JOURNAL_OF_INTEREST.search(line)][-80:]))
        log(f"partial SUMMARY {summary}; logs in {args.artifacts}")
        return 1
    summary["total_s"] = round(time.monotonic() - started)
    log("SUMMARY " + ", ".join(f"{k}={v}" for k, v in summary.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
