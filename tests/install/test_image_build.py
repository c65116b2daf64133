"""The appliance build: installer, pi-gen stage, mDNS announcement, first-boot helper."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from appliance.config import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "image-build"
INSTALL = BUILD / "install.sh"
STAGE = BUILD / "stage-shoebox"
SUBSTAGE = STAGE / "00-shoebox"
AVAHI_DTD = Path("/usr/share/avahi/avahi-service.dtd")
PIP_OFFLINE = "--no-index --no-deps"  # tests never download: the wheel alone, no dependencies


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    kwargs.setdefault("timeout", 300)
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


def _shell_scripts() -> list[Path]:
    """Every shell script below image-build/ (by name, or by its #! line)."""
    shebangs = (b"#!/bin/sh", b"#!/bin/bash", b"#!/usr/bin/env bash")

    def is_script(path: Path) -> bool:
        named = path.suffix == ".sh" or path.name == "EXPORT_IMAGE"
        return named or path.read_bytes()[:32].startswith(shebangs)

    return [p for p in sorted(BUILD.rglob("*")) if p.is_file() and is_script(p)]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built offline from a copy of the sources (the tree stays clean)."""
    pytest.importorskip("setuptools", reason="building the wheel offline needs setuptools")
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "appliance", src / "appliance", ignore=ignore)
    out = tmp_path_factory.mktemp("wheel")
    args = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    result = _run([*args, "-w", str(out), str(src)])
    assert result.returncode == 0, result.stderr
    return next(out.glob("shoebox_appliance-*.whl"))


def _install(root: Path, wheel: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DESTDIR": str(root),
        "SHOEBOX_PIP_ARGS": PIP_OFFLINE,
        "SHOEBOX_PYTHON": shutil.which("python3") or "python3",
    }
    return _run(["bash", str(INSTALL), "--wheel", str(wheel), *options], env=env)


def _fake_system(root: Path) -> None:
    """The few files of a Raspberry Pi OS root that the installer edits."""
    (root / "etc/samba").mkdir(parents=True)
    (root / "etc/hosts").write_text("127.0.0.1\tlocalhost\n127.0.1.1\traspberrypi\n")
    (root / "etc/fstab").write_text("proc /proc proc defaults 0 0\n")
    (root / "etc/samba/smb.conf").write_text("[global]\n   workgroup = WORKGROUP\n")
    (root / "etc/nginx/sites-available").mkdir(parents=True)
    (root / "etc/nginx/sites-enabled").mkdir()
    (root / "etc/nginx/sites-available/default").write_text("server { listen 80; }\n")
    (root / "etc/nginx/sites-enabled/default").symlink_to("/etc/nginx/sites-available/default")


APPLIANCE_OPTIONS = (
    "--hostname", "shoebox", "--port80", "--https", "--samba", "--library-disk"
)  # fmt: skip


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A real install, as the image does it, into a temporary root."""
    root = tmp_path_factory.mktemp("root")
    _fake_system(root)
    result = _install(root, wheel, *APPLIANCE_OPTIONS)
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def _tree_digest(root: Path) -> dict[str, str]:
    """Every file and link outside the venv's site-packages, with its content hash."""
    digest = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if "/site-packages/" in rel or "__pycache__" in rel:
            continue
        if path.is_symlink():
            digest[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            digest[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


# --- shell scripts and the pi-gen stage ------------------------------------------------


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_every_shell_script_is_shellcheck_clean() -> None:
    scripts = _shell_scripts()
    assert {INSTALL, STAGE / "prerun.sh", SUBSTAGE / "01-run.sh"} <= set(scripts)
    assert BUILD / "files/shoebox-prepare" in scripts
    result = _run(["shellcheck", "--shell=bash", "--severity=style", *map(str, scripts)])
    assert result.returncode == 0, result.stdout


def test_pi_gen_stage_layout() -> None:
    assert os.access(STAGE / "prerun.sh", os.X_OK)
    assert "copy_previous" in (STAGE / "prerun.sh").read_text()
    assert re.search(r'^IMG_SUFFIX="-shoebox"$', (STAGE / "EXPORT_IMAGE").read_text(), re.M)
    substages = [p for p in STAGE.iterdir() if p.is_dir()]
    assert substages == [SUBSTAGE]
    known = re.compile(r"^\d\d-(packages|packages-nr|debconf|run\.sh|run-chroot\.sh)$")
    for path in SUBSTAGE.iterdir():
        assert known.match(path.name), f"pi-gen ignores {path.name}"
        if path.name.endswith("run.sh"):  # pi-gen runs NN-run.sh only when executable
            assert os.access(path, os.X_OK), path
    packages = [
        line.split("#")[0].strip()
        for line in (SUBSTAGE / "00-packages-nr").read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", p) for p in packages), packages
    assert {"python3-venv", "avahi-daemon", "nftables", "python3-picamera2"} <= set(packages)
    # every drive a family plugs in, and the share's vfs modules (issue 25)
    assert {"ntfs-3g", "samba", "samba-vfs-modules", "gphoto2"} <= set(packages)


def test_the_documented_build_ships_no_known_password() -> None:
    """The README's pi-gen config must not give the image a password or turn SSH on."""
    readme = (REPO / "image-build/README.md").read_text()
    config = readme.split("cat > config <<EOF", 1)[1].split("EOF", 1)[0]
    assert "FIRST_USER_PASS" not in config
    assert re.search(r"^\s*ENABLE_SSH=0\b", config, re.M), config


def test_stage_copies_a_tree_the_installer_accepts(tmp_path: Path) -> None:
    """Run the stage's host step as pi-gen does (cwd = sub-stage, ROOTFS_DIR set), then a dry
    run of the copied installer with the options of the chroot step."""
    rootfs = tmp_path / "rootfs"
    result = _run(
        [str(SUBSTAGE / "01-run.sh")], cwd=SUBSTAGE, env={**os.environ, "ROOTFS_DIR": str(rootfs)}
    )
    assert result.returncode == 0, result.stderr
    src = rootfs / "tmp/shoebox-src"
    for name in ("pyproject.toml", "appliance/cli.py", "systemd/shoebox.service", "models"):
        assert (src / name).exists(), name
    assert not list(src.rglob("__pycache__"))
    chroot = (SUBSTAGE / "01-run-chroot.sh").read_text()
    command = re.search(r"^image-build/install\.sh (.*?)(?<!\\)$", chroot, re.M | re.S)
    assert command, chroot
    options = [o for o in command.group(1).replace("\\\n", " ").split() if o.startswith("--")]
    assert set(APPLIANCE_OPTIONS) - {"shoebox"} <= set(options)
    dry = _run(
        ["bash", str(src / "image-build/install.sh"), "--dry-run", "--prefix", str(tmp_path / "x")]
        + [o for o in options if o != "--hostname"]
        + ["--hostname", "shoebox"]
    )
    assert dry.returncode == 0, dry.stderr
    assert "would install: " + str(tmp_path / "x/etc/systemd/system/shoebox.service") in dry.stdout


# --- installer -------------------------------------------------------------------------


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    result = _run(["bash", str(INSTALL), "--dry-run", "--prefix", str(root), "--port80"])
    assert result.returncode == 0, result.stderr
    assert list(root.iterdir()) == []
    for line in (
        f"would run: python3 -m venv --clear --system-site-packages {root}/opt/shoebox",
        f"would install: {root}/etc/systemd/system/shoebox-port80.service (mode 0644)",
        f"would write: {root}/etc/shoebox/shoebox.toml (mode 0644)",
        f"would run: systemctl --root={root} enable shoebox.service shoebox-port80.service",
    ):
        assert line in result.stdout.splitlines(), (line, result.stdout)
    # On a real system it would also install the Debian packages; still nothing happens.
    system = _run(["bash", str(INSTALL), "--dry-run", "--camera"])
    assert system.returncode == 0, system.stderr
    (install,) = re.findall(r"^would run: .*apt-get install (.*)$", system.stdout, re.M)
    wanted = ["python3-venv", "avahi-daemon", "gphoto2", "libimage-exiftool-perl", "ffmpeg"]
    for package in [*wanted, "python3-picamera2"]:  # the missing ones only
        assert (package in install.split()) != _installed(package), (package, install)
    assert "python3-picamera2" in install.split()  # Raspberry Pi OS only: never on a test host
    assert "dry run: nothing was changed" in system.stdout


def _installed(package: str) -> bool:
    """Whether this Debian host has ``package`` installed (as install.sh asks dpkg)."""
    status = _run(["dpkg-query", "-W", "-f=${Status}", package]).stdout
    return "ok installed" in status


def test_bad_options_are_refused(tmp_path: Path) -> None:
    for args, reason in (
        (["--frobnicate"], "unknown option"),
        (["--library", "relative/path"], "absolute path"),
        (["--hostname", "Shoe Box"], "--hostname must be"),
        (["--wheel", str(tmp_path / "none.whl")], "no such wheel"),
    ):
        result = _run(["bash", str(INSTALL), "--dry-run", "--prefix", str(tmp_path), *args])
        assert result.returncode != 0 and reason in result.stderr, (args, result.stderr)


def test_install_lays_out_the_appliance(installed: Path) -> None:
    root = installed
    units = root / "etc/systemd/system"
    for name in ("shoebox.service", "shoebox-import@.service"):
        assert (units / name).read_bytes() == (REPO / "systemd" / name).read_bytes()
    for name in ("10-appliance.conf", "10-models.conf"):
        assert (units / "shoebox.service.d" / name).is_file()
    assert (units / "shoebox-import@.service.d/10-models.conf").is_file()
    for name in ("shoebox.service", "shoebox-port80.service", "shoebox-certificate.service"):
        link = units / "multi-user.target.wants" / name
        assert os.readlink(link) == f"/etc/systemd/system/{name}"
    # HTTPS (issue 21): nginx serves our site only, after the certificates are made
    assert (units / "nginx.service.requires/shoebox-certificate.service").is_symlink()
    site = root / "etc/nginx/sites-enabled/shoebox"
    assert site.read_bytes() == (BUILD / "files/nginx-shoebox.conf").read_bytes()
    assert not (root / "etc/nginx/sites-enabled/default").exists()
    settings = (root / "etc/shoebox/shoebox.toml").read_text()
    assert 'https_certificates = "/etc/shoebox/tls"' in settings
    for rel in (
        "etc/udev/rules.d/90-shoebox-usb.rules",
        "etc/udev/rules.d/89-shoebox-library.rules",
        "usr/lib/sysusers.d/shoebox.conf",
        "usr/lib/tmpfiles.d/shoebox.conf",
        "etc/avahi/services/shoebox.service",
        "etc/profile.d/shoebox.sh",
        "opt/shoebox/systemd/README.md",
        "opt/shoebox/systemd/smb-shoebox-inbox.conf",
        "opt/shoebox/image-build/README.md",
        "opt/shoebox/models/efficientnet_lite0_int8.tflite",
        "opt/shoebox/models/labels/imagenet_rules.tsv",
    ):
        assert (root / rel).is_file(), rel
    # The services find the models through SHOEBOX_MODELS_DIR (a wheel has no models/).
    env = (root / "etc/systemd/system/shoebox.service.d/10-models.conf").read_text()
    models = root / re.search(r"^Environment=SHOEBOX_MODELS_DIR=/(\S+)$", env, re.M).group(1)
    wanted = {
        p.relative_to(REPO / "models")
        for p in (REPO / "models").rglob("*")
        if p.is_file() and p.suffix in (".tflite", ".json", ".tsv")
    }
    assert wanted and all((models / rel).is_file() for rel in wanted), wanted
    assert not list(models.glob("*.py"))
    for rel in ("lib/shoebox-mount-volume", "lib/shoebox-prepare", "bin/shoebox"):
        assert os.access(root / "opt/shoebox" / rel, os.X_OK), rel
    assert os.readlink(root / "usr/local/bin/shoebox") == "/opt/shoebox/bin/shoebox"

    python = root / "opt/shoebox/bin/python"
    # Only stdlib-only modules: the test install has no dependencies (nothing is downloaded).
    result = _run([str(python), "-c", "import appliance.capture.inbox, appliance.config"])
    assert result.returncode == 0, result.stderr
    site = next((root / "opt/shoebox/lib").glob("python3*/site-packages/appliance"))
    assert list((site / "web/templates").glob("*.html")), "package data missing from the wheel"

    settings = load_settings(root / "etc/shoebox/shoebox.toml", environ={})
    assert settings.library == Path("/srv/shoebox")
    assert settings.inboxes == [Path("/srv/shoebox/inbox")]
    assert (settings.host, settings.port) == ("0.0.0.0", 8080)

    users = {ln.split(":")[0] for ln in (root / "etc/passwd").read_text().splitlines()}
    assert "shoebox" in users
    assert (root / "etc/hostname").read_text() == "shoebox\n"
    assert "127.0.1.1\tshoebox" in (root / "etc/hosts").read_text().splitlines()
    fstab = (root / "etc/fstab").read_text().splitlines()
    assert fstab[0] == "proc /proc proc defaults 0 0"
    assert re.fullmatch(r"LABEL=SHOEBOX /srv/shoebox auto \S*nofail\S* 0 2", fstab[1])
    smb = (root / "etc/samba/smb.conf").read_text()
    assert "include = /opt/shoebox/systemd/smb-shoebox-inbox.conf" in smb.splitlines()
    # --library-disk: mounted whenever the disk appears, boot never waits for it, and
    # nothing is made on the SD card under the empty mount point.
    assert "noauto" in fstab[1] and "device-timeout" not in fstab[1]
    assert (root / "srv/shoebox").is_dir() and not (root / "srv/shoebox/inbox").exists()
    override = (root / "etc/tmpfiles.d/shoebox.conf").read_text()
    assert "/var/lib/shoebox" in override and "/srv/shoebox" not in override
    assert settings.library_disk is True
    disk_unit = (units / "shoebox.service.d/30-library-disk.conf").read_text()
    assert "Environment=SHOEBOX_LIBRARY_DISK=1" in disk_unit
    # A pulled disk leaves the mount point at once even while the service holds files on it
    # (seen in the VM: "umount: /srv/shoebox: target is busy").
    lazy = (units / "srv-shoebox.mount.d/lazy-unmount.conf").read_text()
    assert "\nLazyUnmount=yes" in lazy
    rules = (root / "etc/udev/rules.d/89-shoebox-library.rules").read_text()
    assert 'ENV{SYSTEMD_WANTS}+="srv-shoebox.mount"' in rules
    # A new disk belongs to root: a root step gives it the library's folders and owner.
    assert 'ENV{SYSTEMD_WANTS}+="shoebox-library-disk.service"' in rules
    prepare_disk = (units / "shoebox-library-disk.service").read_text()
    assert "Requires=srv-shoebox.mount" in prepare_disk
    assert "systemd-tmpfiles --create /usr/lib/tmpfiles.d/shoebox.conf" in prepare_disk


def test_install_again_changes_nothing_and_keeps_settings_and_library(
    installed: Path, wheel: Path
) -> None:
    root = installed
    settings_file = root / "etc/shoebox/shoebox.toml"
    settings_file.write_text(settings_file.read_text() + "labels = false  # mine\n")
    catalog = root / "srv/shoebox/catalog.db"
    catalog.write_bytes(b"the family's catalog")
    os.chmod(catalog, 0o600)
    before = _tree_digest(root)
    result = _install(root, wheel, *APPLIANCE_OPTIONS)
    assert result.returncode == 0, result.stderr
    assert "keeping the existing settings" in result.stdout
    assert _tree_digest(root) == before
    assert catalog.read_bytes() == b"the family's catalog"
    assert stat.S_IMODE(catalog.stat().st_mode) == 0o600


def test_library_elsewhere_gets_drop_ins_and_stays_untouched(tmp_path: Path, wheel: Path) -> None:
    root = tmp_path / "root"
    library = root / "mnt/photos"
    library.mkdir(parents=True)
    (library / "catalog.db").write_bytes(b"existing")
    os.chmod(library, 0o700)
    before = library.stat()
    result = _install(root, wheel, "--library", "/mnt/photos")
    assert result.returncode == 0, result.stderr
    assert "library /mnt/photos exists: left as it is" in result.stdout
    after = library.stat()
    assert (after.st_mode, after.st_uid, after.st_gid) == (
        before.st_mode,
        before.st_uid,
        before.st_gid,
    )
    assert [p.name for p in library.iterdir()] == ["catalog.db"]
    for unit in ("shoebox.service", "shoebox-import@.service"):
        text = (root / f"etc/systemd/system/{unit}.d/20-library.conf").read_text()
        assert "RequiresMountsFor=/mnt/photos" in text and "ReadWritePaths=/mnt/photos" in text
    data = tomllib.loads((root / "etc/shoebox/shoebox.toml").read_text())
    assert data["shoebox"]["library"] == "/mnt/photos"
    assert not (root / "etc/systemd/system/shoebox-port80.service").exists()


# --- units, mDNS, port 80 ----------------------------------------------------------------


@pytest.fixture()
def unit_copies(installed: Path, tmp_path: Path) -> Path:
    """The installed units and drop-ins, pointing at the temp root's /opt/shoebox."""
    units = tmp_path / "units"
    shutil.copytree(installed / "etc/systemd/system", units, symlinks=True)
    nft = "/usr/sbin/nft"
    if not os.access(nft, os.X_OK):
        nft = str(tmp_path / "nft")
        Path(nft).write_text("#!/bin/sh\nexit 0\n")
        os.chmod(nft, 0o755)
    for path in units.rglob("*"):
        if path.is_file() and not path.is_symlink():
            text = path.read_text().replace("/opt/shoebox/", f"{installed}/opt/shoebox/")
            path.write_text(text.replace("/usr/sbin/nft", nft))
    return units


def _verify(units: Path) -> subprocess.CompletedProcess[str]:
    names = ["shoebox.service", "shoebox-import@sdb1_23.service", "shoebox-port80.service"]
    names.append("shoebox-certificate.service")
    env = {**os.environ, "SYSTEMD_UNIT_PATH": f"{units}:"}  # ":" keeps the built-in path
    return _run(["systemd-analyze", "verify", "--man=no", *names], env=env, cwd=units)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_installed_units_and_drop_ins_verify(unit_copies: Path) -> None:
    result = _verify(unit_copies)
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stderr
    broken = unit_copies / "shoebox.service.d/99-broken.conf"
    broken.write_text("[Service]\nEnvironmnt=X=1\n")
    result = _verify(unit_copies)
    assert "Environmnt" in result.stdout + result.stderr  # drop-ins really are checked


def test_avahi_announces_the_port_the_daemon_listens_on() -> None:
    path = BUILD / "avahi/shoebox.service"
    tree = ET.parse(path)
    service = tree.getroot().find("service")
    assert tree.getroot().tag == "service-group" and service is not None
    assert service.findtext("type") == "_http._tcp"
    assert int(service.findtext("port") or 0) == Settings().port == 8080
    assert "%h" in (tree.getroot().findtext("name") or "")
    if not (AVAHI_DTD.is_file() and shutil.which("xmllint")):
        pytest.skip("avahi's DTD or xmllint is missing (scripts/bootstrap.sh test installs both)")
    result = _run(["xmllint", "--noout", "--dtdvalid", str(AVAHI_DTD), str(path)])
    assert result.returncode == 0, result.stderr


def test_port80_redirects_to_the_daemon_port() -> None:
    rules = (BUILD / "files/shoebox-port80.nft").read_text()
    targets = re.findall(r"tcp dport 80 redirect to :(\d+)", rules)
    assert targets and {int(t) for t in targets} == {Settings().port}
    nft = shutil.which("nft") or "/usr/sbin/nft"
    if not os.access(nft, os.X_OK):
        pytest.skip("nft is not installed")
    result = _run([nft, "-c", "-f", str(BUILD / "files/shoebox-port80.nft")])
    if "Operation not permitted" in result.stderr:
        pytest.skip("nft -c needs CAP_NET_ADMIN here")
    assert result.returncode == 0, result.stderr


# --- first boot: the setup file on the boot partition -------------------------------------


def test_setup_file_is_moved_off_the_boot_partition_and_consumed(tmp_path: Path) -> None:
    from appliance.catalog.db import connect
    from appliance.catalog.users import authenticate, consume_seed_file

    boot, state = tmp_path / "boot/firmware", tmp_path / "var/lib/shoebox"
    boot.mkdir(parents=True)
    seed = 'username = "grandma"\npassword = "correct horse battery staple"\n'
    (boot / "shoebox-setup.toml").write_text(seed)
    env = {
        **os.environ,
        "SHOEBOX_BOOT_DIRS": f"{boot} {tmp_path / 'boot'}",
        "SHOEBOX_STATE_DIR": str(state),
        "SHOEBOX_USER": _run(["id", "-un"]).stdout.strip(),
        "SHOEBOX_TMPFILES": str(tmp_path / "none.conf"),
    }
    prepare = str(BUILD / "files/shoebox-prepare")
    result = _run([prepare], env=env)
    assert result.returncode == 0, result.stderr
    moved = state / "setup.toml"
    assert not (boot / "shoebox-setup.toml").exists()
    assert moved.read_text() == seed and stat.S_IMODE(moved.stat().st_mode) == 0o600
    assert [p.name for p in state.iterdir()] == ["setup.toml"]
    again = _run([prepare], env=env)  # nothing to do at later boots
    assert again.returncode == 0 and again.stdout == "" and moved.read_text() == seed
    # The file format is the one the web UI reads: the first admin exists, the file is gone.
    connect(tmp_path / "library/catalog.db")
    user = consume_seed_file(moved)
    assert user is not None and user.role == "admin" and not moved.exists()
    assert authenticate("grandma", "correct horse battery staple") is not None


def test_service_reads_the_setup_file_where_prepare_puts_it() -> None:
    dropin = (BUILD / "files/10-appliance.conf").read_text().splitlines()
    assert "ExecStartPre=+/opt/shoebox/lib/shoebox-prepare" in dropin
    environ = dict(
        line.removeprefix("Environment=").split("=", 1)
        for line in dropin
        if line.startswith("Environment=")
    )
    settings = load_settings(environ=environ)
    assert settings.setup_file == Path("/var/lib/shoebox/setup.toml")
    assert "shoebox-setup.toml" in (BUILD / "README.md").read_text()


def test_prepare_makes_no_folders_under_an_empty_library_mount_point(tmp_path: Path) -> None:
    library = tmp_path / "srv/shoebox"
    library.mkdir(parents=True)
    conf = tmp_path / "tmpfiles.conf"
    conf.write_text(f"d {library}/inbox 0775 - - -\n")
    env = {
        **os.environ,
        "SHOEBOX_BOOT_DIRS": str(tmp_path / "boot"),
        "SHOEBOX_STATE_DIR": str(tmp_path / "state"),
        "SHOEBOX_TMPFILES": str(conf),
        "SHOEBOX_LIBRARY_DISK": "1",
        "SHOEBOX_LIBRARY_MOUNT": str(library),
    }
    result = _run([str(BUILD / "files/shoebox-prepare")], env=env)
    assert result.returncode == 0, result.stderr
    assert "library disk not mounted" in result.stdout
    assert list(library.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="bind and tmpfs mounts need root")
def test_prepare_sees_through_the_sandbox_bind_of_an_empty_mount_point(tmp_path: Path) -> None:
    """ReadWritePaths= binds the empty folder onto itself in the service's namespace, where
    the "+" step runs: that is no disk. A filesystem mounted there is."""
    library = tmp_path / "srv/shoebox"
    library.mkdir(parents=True)
    conf = tmp_path / "tmpfiles.conf"
    conf.write_text(f"d {library}/inbox 0775 - - -\n")
    env = {
        **os.environ,
        "SHOEBOX_BOOT_DIRS": str(tmp_path / "boot"),
        "SHOEBOX_STATE_DIR": str(tmp_path / "state"),
        "SHOEBOX_TMPFILES": str(conf),
        "SHOEBOX_LIBRARY_DISK": "1",
        "SHOEBOX_LIBRARY_MOUNT": str(library),
    }
    subprocess.run(["mount", "--bind", str(library), str(library)], check=True)
    try:
        result = _run([str(BUILD / "files/shoebox-prepare")], env=env)
        assert result.returncode == 0, result.stderr
        assert "library disk not mounted" in result.stdout
        assert list(library.iterdir()) == []
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "disk", str(library)], check=True)
        try:
            result = _run([str(BUILD / "files/shoebox-prepare")], env=env)
            assert result.returncode == 0, result.stderr
            assert (library / "inbox").is_dir()
        finally:
            subprocess.run(["umount", str(library)], check=True)
    finally:
        subprocess.run(["umount", str(library)], check=True)
