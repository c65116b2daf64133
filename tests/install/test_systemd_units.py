"""The systemd units, udev rule, sysusers/tmpfiles snippets pass systemd's own checks."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "systemd"
PREFIX = "/opt/shoebox/"
# Documented in systemd/README.md: the highest exposure score we accept (0 safe .. 10 unsafe).
EXPOSURE_THRESHOLD = 2.5
SERVICES = [
    "shoebox.service",
    "shoebox-import@.service",
    "shoebox-import@sdb1_23.service",
    "shoebox-import-camera.service",
    "shoebox-library-backup.service",  # issue 23: the library's second copy
    "shoebox-backup-disk.service",
    "shoebox-certificate.service",  # issue 21: HTTPS for phones
]

pytestmark = [
    pytest.mark.skipif(
        shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
    ),
]


@pytest.fixture(scope="module")
def unit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The units as installed, with /opt/shoebox/ pointing at stub executables in a temp root."""
    root = tmp_path_factory.mktemp("root")
    for relative in ("bin/shoebox", "lib/shoebox-mount-volume"):
        stub = root / "opt/shoebox" / relative
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("#!/bin/sh\nexit 0\n")
        stub.chmod(0o755)
    units = root / "units"
    units.mkdir()
    copied = [s for s in SERVICES if s != "shoebox-import@sdb1_23.service"]
    for name in copied:
        text = (UNITS / name).read_text().replace(PREFIX, f"{root}/opt/shoebox/")
        (units / name).write_text(text)
    shutil.copy(units / "shoebox-import@.service", units / "shoebox-import@sdb1_23.service")
    return units


def test_units_use_the_documented_install_prefix() -> None:
    for name in ("shoebox.service", "shoebox-import@.service", "shoebox-import-camera.service"):
        execs = re.findall(r"^Exec\w+=[+!-]*(\S+)", (UNITS / name).read_text(), re.M)
        assert execs and all(e.startswith(PREFIX) for e in execs), (name, execs)


def test_verify_prints_nothing(unit_dir: Path) -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *[f"./{s}" for s in SERVICES]],
        cwd=unit_dir,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stderr


def test_verify_catches_a_broken_unit(unit_dir: Path) -> None:
    """The check above can fail: a misspelt directive produces output."""
    broken = unit_dir / "broken.service"
    broken.write_text((unit_dir / "shoebox.service").read_text() + "\nProtectSystm=strict\n")
    try:
        result = subprocess.run(
            ["systemd-analyze", "verify", "--man=no", "./broken.service"],
            cwd=unit_dir,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        broken.unlink()
    assert "ProtectSystm" in result.stdout + result.stderr


@pytest.mark.parametrize("service", [s for s in SERVICES if "@." not in s])
def test_security_exposure_under_threshold(unit_dir: Path, service: str) -> None:
    result = subprocess.run(
        [
            "systemd-analyze",
            "security",
            "--offline=true",
            f"--threshold={int(EXPOSURE_THRESHOLD * 10)}",
            f"./{service}",
        ],
        cwd=unit_dir,
        capture_output=True,
        text=True,
        timeout=60,
    )
    match = re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= EXPOSURE_THRESHOLD, result.stdout
    assert result.returncode == 0


def test_service_requirements_from_the_issue() -> None:
    text = (UNITS / "shoebox.service").read_text()
    for line in (
        "Type=notify",
        "User=shoebox",
        "Restart=on-failure",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "NoNewPrivileges=yes",
        "ProtectHome=yes",
        "RestrictNamespaces=yes",
        "SystemCallFilter=@system-service",
        "DeviceAllow=char-usb_device rw",
        "IOSchedulingClass=idle",
    ):
        assert re.search(rf"^{re.escape(line)}$", text, re.M), line
    for key in ("WatchdogSec", "MemoryHigh", "MemoryMax", "StartLimitBurst", "ReadWritePaths"):
        assert re.search(rf"^{key}=\S", text, re.M), key
    assert not re.search(r"^MemoryDenyWriteExecute=yes", text, re.M)
    assert not re.search(r"^DynamicUser=yes", text, re.M)
    template = (UNITS / "shoebox-import@.service").read_text()
    # bound to the plug's own link (/dev/shoebox/<instance>), see the udev rule
    assert "BindsTo=dev-shoebox-%i.device" in template
    assert re.search(r"^After=dev-shoebox-%i\.device ", template, re.M)
    assert all("/dev/shoebox/%I" in ln for ln in template.splitlines() if "mount-volume" in ln)


def test_udev_rule_starts_one_unit_per_plug_and_never_mounts() -> None:
    """The instance is <kernel name>_<disk sequence>: a card put in while the previous
    card's instance of the same slot is still stopping gets a new instance (systemd drops
    a device's wanted start that conflicts with a stop job: systemd issue #11526)."""
    rule = (UNITS / "udev/90-shoebox-usb.rules").read_text()
    active = [ln for ln in rule.splitlines() if ln.strip() and not ln.startswith("#")]
    assert 'ENV{SHOEBOX_VOLUME}="%k_$env{DISKSEQ}"' in active
    assert any('IMPORT{parent}="DISKSEQ"' in ln and 'DEVTYPE}=="partition"' in ln for ln in active)
    link = next(ln for ln in active if "SYMLINK" in ln)
    assert 'SYMLINK+="shoebox/$env{SHOEBOX_VOLUME}"' in link and "ACTION" not in link
    wants = next(ln for ln in active if "SYSTEMD_WANTS" in ln)
    assert wants.startswith('ACTION=="add", ')
    assert 'SYSTEMD_WANTS}+="shoebox-import@$env{SHOEBOX_VOLUME}.service"' in wants
    assert active[0] == 'ACTION=="remove", GOTO="shoebox_end"'
    assert not any(re.search(r"\bRUN\+?=|mount", ln) for ln in active)


def test_camera_rule_starts_the_camera_unit_and_runs_nothing() -> None:
    """On "bind" as on "add": libgphoto2 may know the device only at "bind" (its interfaces
    come with the binding), and systemd drops a device whose event lacks the tag."""
    rule = (UNITS / "udev/91-shoebox-camera.rules").read_text()
    active = [ln for ln in rule.splitlines() if ln.strip() and not ln.startswith("#")]
    assert active and all('ENV{ID_GPHOTO2}=="1"' in ln for ln in active)
    assert all(ln.startswith('ACTION!="remove", ') for ln in active)
    assert any('SYSTEMD_WANTS}+="shoebox-import-camera.service"' in ln for ln in active)
    assert not any(re.search(r"\bRUN\+?=|mount", ln) for ln in active)


def test_sysusers_and_tmpfiles_create_user_and_folders(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    sysusers = subprocess.run(
        ["systemd-sysusers", f"--root={tmp_path}", str(UNITS / "sysusers.d/shoebox.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sysusers.returncode == 0, sysusers.stderr
    users = {
        ln.split(":")[0]: ln.split(":") for ln in (tmp_path / "etc/passwd").read_text().splitlines()
    }
    groups = {
        ln.split(":")[0]: ln.split(":") for ln in (tmp_path / "etc/group").read_text().splitlines()
    }
    assert users["shoebox"][6] == "/usr/sbin/nologin"
    assert "shoebox" in groups["shoebox-inbox"][3].split(",")
    if os.geteuid() != 0:
        pytest.skip("systemd-tmpfiles needs root to set owners")
    tmpfiles = subprocess.run(
        [
            "systemd-tmpfiles",
            f"--root={tmp_path}",
            "--create",
            str(UNITS / "tmpfiles.d/shoebox.conf"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert tmpfiles.stderr == "" and tmpfiles.returncode == 0, tmpfiles.stderr
    inbox = (tmp_path / "srv/shoebox/inbox").stat()
    assert stat.S_IMODE(inbox.st_mode) == 0o2775
    assert inbox.st_gid == int(groups["shoebox-inbox"][2])
    assert (tmp_path / "run/shoebox/volumes").is_dir()


def test_mount_helper_is_valid_shell_and_refuses_bad_arguments() -> None:
    helper = UNITS / "shoebox-mount-volume"
    assert subprocess.run(["sh", "-n", str(helper)], timeout=30).returncode == 0
    bad = subprocess.run([str(helper), "mount", "sdb1"], capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "usage" in bad.stderr


def _fake_tools(bin_dir: Path, fstype: str) -> Path:
    """udevadm and systemd-mount stand-ins that record how the helper calls them."""
    bin_dir.mkdir()
    calls = bin_dir / "calls"
    (bin_dir / "udevadm").write_text(f"#!/bin/sh\necho {fstype}\n")
    (bin_dir / "systemd-mount").write_text(f'#!/bin/sh\necho "$@" >>{calls}\n')
    for tool in ("udevadm", "systemd-mount"):
        (bin_dir / tool).chmod(0o755)
    return calls


@pytest.mark.parametrize("fstype", ["vfat", "ext4"])
def test_mount_helper_never_runs_fsck_and_mounts_read_only(tmp_path: Path, fstype: str) -> None:
    """fsck would clear a FAT dirty bit (writing the stick) and fails on a locked card."""
    calls = _fake_tools(tmp_path / "bin", fstype)
    text = (UNITS / "shoebox-mount-volume").read_text()
    helper = tmp_path / "helper"
    helper.write_text(text.replace("/run/shoebox/volumes", str(tmp_path / "volumes")))
    env = dict(os.environ, PATH=f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    done = subprocess.run(["sh", str(helper), "mount", "/dev/sdz1"], env=env, timeout=30)
    assert done.returncode == 0
    args = calls.read_text().split()
    assert "--fsck=no" in args
    options = next(a for a in args if a.startswith("--options=")).split("=", 1)[1].split(",")
    assert options[0] == "ro" and {"nosuid", "nodev", "noexec"} <= set(options)
    assert ("noload" in options) == (fstype == "ext4")  # no ext4 journal replay either


def test_import_unit_treats_an_unplug_as_success_and_logs_unbuffered() -> None:
    template = (UNITS / "shoebox-import@.service").read_text()
    assert re.search(r"^SuccessExitStatus=75$", template, re.M)
    assert re.search(r"^Environment=PYTHONUNBUFFERED=1$", template, re.M)


def test_service_names_no_device_node_that_may_be_absent() -> None:
    """DeviceAllow=/dev/apex_0 logged "Couldn't stat device" at every boot without a Coral."""
    service = (UNITS / "shoebox.service").read_text()
    assert not re.search(r"^DeviceAllow=/dev/", service, re.M)
    assert re.search(r"^DeviceAllow=char-apex rw$", service, re.M)


def test_port80_helper_is_hardened(tmp_path: Path) -> None:
    unit = REPO / "image-build/files/shoebox-port80.service"
    shutil.copy(unit, tmp_path / unit.name)
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", f"./{unit.name}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    match = re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= EXPOSURE_THRESHOLD, result.stdout
    assert re.search(r"^CapabilityBoundingSet=CAP_NET_ADMIN$", unit.read_text(), re.M)
