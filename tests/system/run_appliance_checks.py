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
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vm import CACHE, REPO, Vm, VmError, build_disk, log, make_stick, run, wait_until  # noqa: E402

CORPUS = Path("/work/shared/corpus")
SETUP = 'username = "admin"\npassword = "a long passphrase for the family"\n'
BOOT_TIMEOUT = 900  # TCG on a shared 2-core box: ~100-300 s
IMPORT_TIMEOUT = 1200  # per stick, labels and faces on, TCG
summary: dict[str, object] = {}
# Mount options of the volume being imported (a stick without a partition table is "sda").
VOLUME_OPTIONS = "findmnt -rn -o TARGET,OPTIONS | awk '$1 ~ \"^/run/shoebox/volumes/\" {print $2}'"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def jpegs(count: int, seed: int, names_from: int = 0) -> dict[str, bytes]:
    """``count`` distinct photos (noise JPEGs plus two corpus faces), DCIM/100CANON/IMG_*.JPG."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    photos: dict[str, bytes] = {}
    faces = sorted((CORPUS / "faces").rglob("*.jpg"))[seed % 5 :][:2] if CORPUS.is_dir() else []
    for i in range(count):
        name = f"DCIM/100CANON/IMG_{names_from + i:04d}.JPG"
        if i < len(faces):
            photos[name] = faces[i].read_bytes()
            continue
        buffer = io.BytesIO()
        pixels = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
        Image.fromarray(pixels).resize((1280, 960)).save(buffer, "JPEG", quality=85)
        photos[name] = buffer.getvalue()
    return photos


def stored_hashes(vm: Vm) -> list[str]:
    out = vm.sql("select sha256 from file where stored_path is not null")
    return [line for line in out.splitlines() if line]


def check(name: str, ok: bool, detail: str = "") -> None:
    log(f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")
    if not ok:
        raise VmError(f"{name}: {detail}")


def import_unit_state(vm: Vm) -> str:
    return vm.ssh(
        "systemctl list-units 'shoebox-import@*' --all --plain --no-legend"
        " | awk '{print $1, $3, $4}'",
        check=False,
    )


def wait_imported(vm: Vm, wanted: set[str], what: str) -> float:
    start = time.monotonic()
    wait_until(
        f"every photo of {what} in the library",
        lambda: wanted <= set(stored_hashes(vm)),
        IMPORT_TIMEOUT,
        5,
    )
    wait_until(
        f"the import unit of {what} to finish",
        lambda: "running" not in import_unit_state(vm),
        300,
        3,
    )
    return time.monotonic() - start


def no_doubles(vm: Vm) -> None:
    hashes = stored_hashes(vm)
    files = vm.ssh("find /srv/shoebox/originals -type f -not -path '*/.incoming/*' | wc -l")
    check(
        "nothing doubled",
        len(hashes) == len(set(hashes)) == int(files),
        f"{len(hashes)} rows, {files} files",
    )


def phase_boot(vm: Vm) -> None:
    booted = vm.wait_for_ssh(BOOT_TIMEOUT)
    active = wait_until(
        "shoebox.service active",
        lambda: vm.ssh("systemctl is-active shoebox", check=False) == "active",
        600,
        3,
    )
    summary["boot_to_active_s"] = round(time.monotonic() - vm.started)
    check(
        "shoebox.service active after boot",
        bool(active),
        f"ssh after {booted:.0f} s, active after {summary['boot_to_active_s']} s",
    )
    check("watchdog configured", vm.ssh("systemctl show -p WatchdogUSec --value shoebox") == "5min")
    web = wait_until("the web UI on 8080", lambda: vm.http("web", "/login")[0] == 200, 300, 3)
    check("web UI on port 8080 (from the host)", bool(web))
    status, _ = vm.http("http", "/login")
    check("web UI on port 80 (nftables redirect)", status == 200, f"HTTP {status}")
    consumed = vm.ssh(
        "ls /boot/firmware/shoebox-setup.toml /var/lib/shoebox/setup.toml 2>/dev/null | wc -l"
    )
    admins = vm.sql("select count(*) from user where role = 'admin'")
    check(
        "boot-partition setup file consumed, admin created",
        consumed == "0" and admins == "1",
        f"files left {consumed}, admins {admins}",
    )
    status, _ = vm.http("web", "/setup")
    check("setup page closed: the seeded admin exists (403)", status == 403, f"HTTP {status}")
    avahi = wait_until(
        "avahi to publish _http._tcp",
        lambda: "Shoebox" in vm.ssh("avahi-browse -rtp _http._tcp 2>/dev/null", check=False),
        120,
        5,
    )
    check("avahi publishes the web UI", bool(avahi))
    noise = vm.ssh(
        "journalctl -b --no-pager | grep -cE 'apex_0|Timed out waiting for device' || true"
    )
    check("no boot noise (apex_0, device timeout)", noise == "0", f"{noise} lines")


def phase_usb(vm: Vm, work: Path) -> None:
    card_a = jpegs(8, seed=1)
    card_c = jpegs(8, seed=2)  # same names as card A, other photos
    stick_w = jpegs(4, seed=3, names_from=100)
    images = {}
    for name, photos, vid, dirty in (
        ("carda", card_a, "A1A1A1A1", True),
        ("cardc", card_c, "C3C3C3C3", False),
        ("stickw", stick_w, "B2B2B2B2", True),
    ):
        images[name] = work / f"{name}.img"
        make_stick(images[name], photos, name.upper(), vid, dirty=dirty)
    before = {name: sha(path.read_bytes()) for name, path in images.items()}
    a_hashes = {sha(d) for d in card_a.values()}
    c_hashes = {sha(d) for d in card_c.values()}
    w_hashes = {sha(d) for d in stick_w.values()}

    # Card A (FAT dirty bit set): plug, check the read-only mount, pull it mid-import.
    vm.plug("carda", images["carda"])
    options = wait_until(
        "card A mounted",
        lambda: vm.ssh(VOLUME_OPTIONS, check=False),
        300,
        1,
    )
    check("volume mounted read-only", options.split(",")[0] == "ro", options)
    wait_until(
        "a first photo of card A", lambda: a_hashes & set(stored_hashes(vm)), IMPORT_TIMEOUT, 2
    )
    got = len(a_hashes & set(stored_hashes(vm)))
    vm.unplug("carda")
    summary["card_a_before_unplug"] = got
    wait_until(
        "the import unit to stop after the unplug",
        lambda: "running" not in import_unit_state(vm),
        300,
        3,
    )
    result = vm.ssh(
        "systemctl show -p Result --value $(systemctl list-units 'shoebox-import@*' --all"
        " --plain --no-legend | awk '{print $1}') | sort -u | tr '\\n' ' '",
        check=False,
    ).strip()
    check(
        "unplug mid-import leaves the unit successful (75)",
        "success" in result and "exit-code" not in result,
        f"{got}/8 imported, Result={result}",
    )
    check(
        "mount gone after unplug",
        vm.ssh(VOLUME_OPTIONS, check=False) == "",
    )

    # Card C: same slot, same file names.
    vm.plug("cardc", images["cardc"])
    seconds = wait_imported(vm, c_hashes, "card C")
    vm.unplug("cardc")
    check(
        "second card with the same names: all its photos",
        c_hashes <= set(stored_hashes(vm)),
        f"{seconds:.0f} s",
    )

    # Card A back: resumes, nothing doubled.
    vm.plug("carda", images["carda"])
    wait_imported(vm, a_hashes, "card A (resumed)")
    vm.unplug("carda")
    check("card A resumed: all its photos", a_hashes <= set(stored_hashes(vm)))
    no_doubles(vm)

    # Write-protected stick (a locked SD card), dirty bit set.
    vm.plug("stickw", images["stickw"], read_only=True)
    wait_imported(vm, w_hashes, "the write-protected stick")
    count = len(stored_hashes(vm))
    vm.unplug("stickw")
    check("write-protected stick imported", w_hashes <= set(stored_hashes(vm)))
    vm.plug("stickw", images["stickw"], read_only=True)
    wait_until(
        "the second plug's import unit to finish",
        lambda: "exited" in import_unit_state(vm) or "inactive" in import_unit_state(vm),
        600,
        3,
    )
    time.sleep(10)
    vm.unplug("stickw")
    check(
        "second plug imports nothing", len(stored_hashes(vm)) == count, f"{count} before and after"
    )
    after = {name: sha(path.read_bytes()) for name, path in images.items()}
    check("stick images unchanged (dirty FAT bit included)", after == before)
    summary["photos_after_usb"] = len(stored_hashes(vm))


def phase_reset(vm: Vm, work: Path) -> None:
    photos = jpegs(8, seed=4, names_from=200)
    wanted = {sha(d) for d in photos.values()}
    image = work / "stickr.img"
    make_stick(image, photos, "STICKR", "D4D4D4D4")
    vm.plug("stickr", image)
    wait_until(
        "a first photo of the reset stick",
        lambda: wanted & set(stored_hashes(vm)),
        IMPORT_TIMEOUT,
        2,
    )
    summary["reset_after_photos"] = len(wanted & set(stored_hashes(vm)))
    vm.monitor("system_reset")
    log("system_reset (hard reset) mid-import")
    vm.started = time.monotonic()
    vm.wait_for_ssh(BOOT_TIMEOUT)
    wait_until(
        "shoebox.service active again",
        lambda: vm.ssh("systemctl is-active shoebox", check=False) == "active",
        600,
        3,
    )
    integrity = vm.sql("pragma integrity_check")
    check("catalogue integrity after the reset", integrity == "ok", integrity)
    wait_imported(vm, wanted, "the reset stick (resumed after boot)")
    vm.unplug("stickr")
    leftovers = vm.ssh("find /srv/shoebox/originals/.incoming -type f | wc -l")
    check(".incoming clean", leftovers == "0", leftovers)
    no_doubles(vm)


def phase_memory(vm: Vm) -> None:
    cgroup = "/sys/fs/cgroup/system.slice/shoebox.service"
    peak = int(vm.ssh(f"cat {cgroup}/memory.peak"))
    limit = vm.ssh("systemctl show -p MemoryMax --value shoebox")
    summary["service_peak_mib"] = peak // 2**20
    check(
        "service peak memory under MemoryMax",
        peak < int(limit),
        f"{peak // 2**20} MiB of {int(limit) // 2**20} MiB",
    )
    ooms = vm.ssh("journalctl -k -b --no-pager | grep -ci 'out of memory' || true")
    check("no OOM kill", ooms == "0", ooms)
    restarts = vm.ssh("systemctl show -p NRestarts --value shoebox")
    check("no service restarts (watchdog quiet)", restarts == "0", restarts)
    labels = (
        vm.sql("select count(*) from photo_label") if "photo_label" in vm.sql(".tables") else "n/a"
    )
    summary["label_rows"] = labels


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="shoebox-vm-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    wheelhouse = CACHE / "wheelhouse-amd64"
    # Always rebuilt: the shoebox wheel of this checkout (dependencies come from pip's cache).
    run([str(REPO / "tests/system/build-wheelhouse.sh"), str(wheelhouse)])
    disk, kernel, initrd = build_disk(work, wheelhouse, setup_file=SETUP)
    summary["build_s"] = round(time.monotonic() - started)
    try:
        with Vm(work, disk, kernel, initrd) as vm:
            phase_boot(vm)
            phase_usb(vm, work)
            phase_memory(vm)
            phase_reset(vm, work)
            phase_memory(vm)
    except VmError as exc:
        log(f"FAILED: {exc}")
        serial = work / "serial.log"
        if serial.exists():
            print("--- last lines of the serial console ---")
            print("\n".join(serial.read_text(errors="replace").splitlines()[-40:]))
        return 1
    summary["total_s"] = round(time.monotonic() - started)
    log("SUMMARY " + ", ".join(f"{k}={v}" for k, v in summary.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
