"""Issue 23's units: the hourly backup check, the SHOEBOX-BACKUP disk's unit and udev rule
pass systemd's own checks and say what the issue asks (low priority, memory limit, bound
to the disk, never imported). Their exposure score is checked with the other services in
test_systemd_units.py."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.install.test_image_build import installed, wheel  # noqa: F401 - fixtures

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "systemd"
PREFIX = "/opt/shoebox/"
BACKUP = "shoebox-library-backup.service"
TIMER = "shoebox-library-backup.timer"
DISK = "shoebox-backup-disk.service"

pytestmark = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)


@pytest.fixture(scope="module")
def unit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("root")
    stub = root / "opt/shoebox/bin/shoebox"
    stub.parent.mkdir(parents=True)
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    units = root / "units"
    units.mkdir()
    for name in (BACKUP, TIMER, DISK, "shoebox.service"):
        text = (UNITS / name).read_text().replace(PREFIX, f"{root}/opt/shoebox/")
        (units / name).write_text(text)
    return units


def _active(name: str) -> list[str]:
    text = (UNITS / name).read_text()
    return [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def test_verify_prints_nothing(unit_dir: Path) -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", f"./{BACKUP}", f"./{TIMER}", f"./{DISK}"],
        cwd=unit_dir,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stderr


@pytest.mark.parametrize("service", [BACKUP, DISK])
def test_backups_run_at_low_priority_within_memory_limits(service: str) -> None:
    lines = _active(service)
    for line in ("User=shoebox", "Nice=19", "IOSchedulingClass=idle", "ProtectSystem=strict"):
        assert line in lines, line
    limits = {k: v for k, _, v in (ln.partition("=") for ln in lines)}
    assert int(limits["CPUWeight"]) < 50  # below the service's CPUWeight=50
    assert limits["MemoryMax"].endswith("M") and int(limits["MemoryMax"][:-1]) <= 400
    assert "GOGC=" in limits["Environment"] or any("GOGC=" in ln for ln in lines)
    execs = re.findall(r"^ExecStart=(\S+)", "\n".join(lines), re.M)
    assert execs and all(e.startswith(PREFIX) for e in execs)


def test_timer_asks_hourly_and_catches_up_after_power_off() -> None:
    lines = _active(TIMER)
    assert "OnCalendar=hourly" in lines and "Persistent=true" in lines
    assert "WantedBy=timers.target" in lines
    assert "ExecStart=/opt/shoebox/bin/shoebox library-backup run --if-due" in _active(BACKUP)


def test_backup_disk_unit_is_bound_to_the_disk_and_mounts_it_as_root_only() -> None:
    lines = _active(DISK)
    device = r"dev-disk-by\x2dlabel-SHOEBOX\x2dBACKUP.device"
    assert f"BindsTo={device}" in lines
    assert any(ln.startswith("After=") and device in ln for ln in lines)
    pre = [ln for ln in lines if ln.startswith("ExecStartPre=")]
    assert pre and all(ln.startswith("ExecStartPre=+") for ln in pre)
    assert any("systemd-mount" in ln and "/dev/disk/by-label/SHOEBOX-BACKUP" in ln for ln in pre)
    assert "ExecStart=/opt/shoebox/bin/shoebox library-backup plugged /srv/shoebox-backup" in lines
    assert any(ln.startswith("ExecStopPost=+") and "systemd-umount" in ln for ln in lines)


def test_backup_disk_rule_starts_the_unit_and_is_never_imported() -> None:
    rule = _active("udev/89-shoebox-backup-disk.rules")
    assert any(
        'ENV{ID_FS_LABEL}=="SHOEBOX-BACKUP"' in ln
        and 'ENV{SHOEBOX_IGNORE}="1"' in ln
        and "ACTION" not in ln
        for ln in rule
    )
    wants = [ln for ln in rule if "SYSTEMD_WANTS" in ln]
    assert len(wants) == 1 and 'ACTION=="add"' in wants[0]
    assert 'ENV{SYSTEMD_WANTS}+="shoebox-backup-disk.service"' in wants[0]
    assert not any(re.search(r"\bRUN\+?=|mount", ln) for ln in rule)
    # the import rule comes later and skips what this rule marked
    assert "89-shoebox-backup-disk.rules" < "90-shoebox-usb.rules"
    usb = (UNITS / "udev/90-shoebox-usb.rules").read_text()
    assert 'ENV{SHOEBOX_IGNORE}=="1", GOTO="shoebox_end"' in usb


def test_installer_puts_the_units_in_place_and_enables_the_timer(installed: Path) -> None:  # noqa: F811
    units = installed / "etc/systemd/system"
    for name in (BACKUP, TIMER, DISK):
        assert (units / name).read_bytes() == (UNITS / name).read_bytes(), name
    rule = installed / "etc/udev/rules.d/89-shoebox-backup-disk.rules"
    assert rule.read_bytes() == (UNITS / "udev/89-shoebox-backup-disk.rules").read_bytes()
    link = units / "timers.target.wants" / TIMER
    assert link.is_symlink() and str(link.readlink()).endswith(f"/{TIMER}")


def test_restic_is_in_the_image_and_the_installer_package_lists() -> None:
    install = (REPO / "image-build/install.sh").read_text()
    assert re.search(r"^\s*want=\(.*\brestic\b", install, re.M)
    packages = (REPO / "image-build/stage-shoebox/00-shoebox/00-packages-nr").read_text()
    assert "restic" in packages.split()
