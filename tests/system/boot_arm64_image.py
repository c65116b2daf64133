"""The arm64 image boots: Debian 12 arm64 with Shoebox, in qemu-system-aarch64 -M virt (TCG).

Builds the image as the appliance's image build does (a cached debootstrap arm64 rootfs,
image-build/install.sh in a chroot under qemu-user, offline from an arm64 wheelhouse), boots
it on an emulated Cortex-A72 with 2 GB and waits for the first-run setup page on port 8080
(and port 80) from the host. Raspberry Pi OS's servers are not reachable here, so this is
the stand-in for the pi-gen image (image-build/stage-shoebox), which was not built.

    sudo .venv/bin/python tests/system/boot_arm64_image.py [--keep WORKDIR]

Needs root, debootstrap, qemu-user-static (binfmt), qemu-system-arm. Prints one PASS/FAIL
line per check and a SUMMARY line with the times.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vm import CACHE, REPO, Vm, VmError, build_disk, log, run, wait_until  # noqa: E402

BOOT_TIMEOUT = 2400  # QEMU start to SSH: aarch64 under TCG on a shared 2-core box
SERVICE_TIMEOUT = 2400  # SSH to the setup page (Python, LiteRT and dlib load emulated)


def check(name: str, ok: bool, detail: str = "") -> None:
    log(f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")
    if not ok:
        raise VmError(f"{name}: {detail}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="shoebox-arm64-", dir="/var/tmp"))
    work.mkdir(parents=True, exist_ok=True)
    summary: dict[str, object] = {}
    started = time.monotonic()
    run([str(REPO / "tests/system/build-wheelhouse.sh"), str(CACHE / "wheelhouse-amd64")])
    run([str(REPO / "tests/system/build-wheelhouse-arm64.sh"), str(CACHE)])
    disk, kernel, initrd = build_disk(work, CACHE / "wheelhouse-arm64", arch="arm64")
    summary["build_s"] = round(time.monotonic() - started)
    vm = Vm(work, disk, kernel, initrd, arch="arm64")
    try:
        with vm:
            booted = vm.wait_for_ssh(BOOT_TIMEOUT)
            summary["boot_to_ssh_s"] = round(booted)
            machine = vm.ssh("uname -m")
            check("an arm64 kernel and userland", machine == "aarch64", machine)
            code, body = wait_until(
                "the setup page on 8080",
                lambda: vm.http_when("web", "/setup", 200),
                SERVICE_TIMEOUT,
                10,
            )
            summary["boot_to_setup_page_s"] = round(time.monotonic() - vm.started)
            check("the first-run setup page (8080)", "password" in body.lower(), f"HTTP {code}")
            code, _ = vm.http("http", "/setup")
            check("the setup page on port 80", code == 200, f"HTTP {code}")
            active = vm.ssh("systemctl is-active shoebox", check=False)
            check("shoebox.service active", active == "active", active)
            summary["shoebox_python"] = vm.ssh(
                "/opt/shoebox/bin/python -c 'import platform; print(platform.machine())'"
            )
    except (VmError, OSError, subprocess.SubprocessError) as exc:
        log(f"FAILED: {exc}")
        if vm.serial.exists():
            print("--- last lines of the serial console ---")
            print("\n".join(vm.serial.read_text(errors="replace").splitlines()[-40:]))
        log(f"partial SUMMARY {summary}")
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    summary["total_s"] = round(time.monotonic() - started)
    log("SUMMARY " + ", ".join(f"{k}={v}" for k, v in summary.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
