"""A Debian VM with Shoebox installed, driven from the host: build, boot, SSH, QEMU monitor.

Stdlib only, reusable by anyone with Debian, QEMU, debootstrap and mtools:

    disk = build_disk(work, wheelhouse)           # rootfs (cached) + install.sh, offline
    with Vm(work, disk) as vm:                    # qemu-system-x86_64, TCG unless KVM asked
        vm.wait_for_ssh()
        vm.ssh("systemctl is-active shoebox")
        vm.plug("stick", image, read_only=True)   # USB hot-plug through the monitor
        vm.unplug("stick")

Every wait is bounded and fails with a message that says what was awaited.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("SHOEBOX_TEST_CACHE", "/var/cache/shoebox-test"))
MEMORY_MB = 2048
TCG_PER_FILE_TIMEOUT = 600
FAT32_STATE = 0x41  # boot sector byte whose bit 0 is the "dirty" flag fsck.fat would clear


class VmError(AssertionError):
    """The VM did not do what a check waited for."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, text=True, **kwargs)


def wait_until(what: str, check: Callable[[], Any], timeout: float, every: float = 3.0) -> Any:
    """Poll ``check`` until it returns something true; raise VmError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except (OSError, subprocess.SubprocessError, VmError) as exc:
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(every)
    raise VmError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the disk -----------------------------------------------------------------------------


def build_disk(
    work: Path,
    wheelhouse: Path,
    install_options: tuple[str, ...] = (),
    setup_file: str = "",
    arch: str = "amd64",
) -> tuple[Path, Path, Path]:
    """A fresh root disk from the cached rootfs with Shoebox installed by install.sh.

    Returns (disk image, kernel, initrd). install.sh runs in a chroot exactly as on a box
    without internet: pip from the wheelhouse only, Debian packages already there. An
    arm64 chroot runs under qemu-user (binfmt).
    """
    rootfs = CACHE / f"rootfs-{arch}.tar"
    run([str(REPO / "tests/system/build-rootfs.sh"), str(CACHE), arch])
    root = work / "root"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    run(["tar", "-C", str(root), "-xf", str(rootfs)])
    src = root / "tmp/shoebox-src"
    files = run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True).stdout.split("\0")
    for name in filter(None, files):
        if name.startswith(("tests/", "bench/")):
            continue
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(wheelhouse, root / "tmp/wheelhouse")
    wheel = next(wheelhouse.glob("shoebox_appliance-*.whl")).name
    key = ssh_key(work)
    (root / "root/.ssh").mkdir(mode=0o700, exist_ok=True)
    (root / "root/.ssh/authorized_keys").write_text(key.with_suffix(".pub").read_text())
    # root signs in with this key only: no password at all, as on the image (pi-gen locks
    # root; older rootfs caches of this test had an empty one).
    run(["chroot", str(root), "passwd", "--lock", "--quiet", "root"])
    if setup_file:
        (root / "boot/firmware").mkdir(parents=True, exist_ok=True)
        (root / "boot/firmware/shoebox-setup.toml").write_text(setup_file)
    # An arm64 chroot runs under qemu-user: LiteRT segfaulted there while the host's x86
    # /sys CPU topology was visible, so it gets no /sys and a Cortex-A72 (test only).
    apis = ("proc", "dev", "sys") if arch == "amd64" else ("proc", "dev")
    emulated = [] if arch == "amd64" else ["QEMU_CPU=cortex-a72"]
    for api in apis:
        run(["mount", "--rbind" if api != "proc" else "--bind", f"/{api}", str(root / api)])
    try:
        command = (
            "SHOEBOX_PIP_ARGS='--no-index --find-links /tmp/wheelhouse' "
            "/tmp/shoebox-src/image-build/install.sh --no-start --hostname shoebox --port80 "
            "--https "
            f"--wheel /tmp/wheelhouse/{wheel} " + " ".join(install_options)
        )
        # No network namespace: the install must not reach out (apt, pip, anything).
        # A clean environment: nothing of the host's (PIP_*, proxies) leaks into the box.
        env = ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8"]
        env += emulated
        run(["unshare", "--net", "chroot", str(root), *env, "sh", "-c", command])
    finally:
        for api in reversed(apis):
            subprocess.run(["umount", "-R", "-l", str(root / api)], check=False)
    shutil.rmtree(src)
    shutil.rmtree(root / "tmp/wheelhouse")
    # TCG on a shared 2-core host is far slower than a Pi 4: one small photo with labels and
    # faces took several minutes on a loaded box, past the appliance's 120 s limit. A
    # test-only allowance, not the product's.
    with (root / "etc/shoebox/shoebox.toml").open("a") as settings:
        settings.write(f"per_file_timeout = {TCG_PER_FILE_TIMEOUT}\n")
    kernel = work / "vmlinuz"
    initrd = work / "initrd.img"
    shutil.copy(sorted((root / "boot").glob("vmlinuz-*"))[-1], kernel)
    shutil.copy(sorted((root / "boot").glob("initrd.img-*"))[-1], initrd)
    disk = work / "root.img"
    disk.unlink(missing_ok=True)
    run(["mkfs.ext4", "-q", "-L", "rootfs", "-d", str(root), str(disk), "6G"])
    shutil.rmtree(root)
    return disk, kernel, initrd


def ssh_key(work: Path) -> Path:
    key = work / "id_ed25519"
    if not key.exists():
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)])
    return key


# --- USB sticks ---------------------------------------------------------------------------


def make_stick(
    path: Path,
    photos: dict[str, bytes],
    label: str,
    volume_id: str,
    dirty: bool = False,
    partitioned: bool = False,
) -> None:
    """A FAT32 image with ``photos`` (relative path -> bytes), built without mounting.

    ``partitioned``: the filesystem is in an MBR partition (type 0x0c) at 1 MiB, as a camera
    formats a card (the kernel shows it as sdX1); else it fills the disk (sdX)."""
    path.unlink(missing_ok=True)
    filesystem = path.with_suffix(".fs") if partitioned else path
    filesystem.unlink(missing_ok=True)
    run(["mkfs.fat", "-F", "32", "-n", label, "-i", volume_id, "-C", str(filesystem), "65536"])
    _copy_photos(filesystem, photos)
    if dirty:  # the "volume was not cleanly unmounted" flag fsck.fat would clear
        with filesystem.open("r+b") as image:
            image.seek(FAT32_STATE)
            state = image.read(1)[0]
            image.seek(FAT32_STATE)
            image.write(bytes([state | 1]))
    if partitioned:
        data = filesystem.read_bytes()
        filesystem.unlink()
        path.write_bytes(_mbr(PARTITION_START, len(data) // 512) + data)


PARTITION_START = 2048  # sectors: 1 MiB, where fdisk puts the first partition


def blank_partitioned_disk(path: Path, size_mib: int, partition_type: int) -> Path:
    """A disk image with one empty MBR partition at 1 MiB (0x07: exFAT or NTFS), as a drive
    comes before it is formatted."""
    path.unlink(missing_ok=True)
    sectors = size_mib * 2048 - PARTITION_START
    path.write_bytes(_mbr(PARTITION_START, sectors, partition_type))
    with path.open("r+b") as image:
        image.truncate(size_mib * 1024 * 1024)
    return path


def _mbr(start: int, sectors: int, partition_type: int = 0x0C) -> bytes:
    """An MBR with one partition (0x0C: FAT32 LBA), padded to the partition's start."""
    entry = bytes([0x00, 0xFE, 0xFF, 0xFF, partition_type, 0xFE, 0xFF, 0xFF])
    entry += start.to_bytes(4, "little") + sectors.to_bytes(4, "little")
    sector = bytearray(512)
    sector[0x1BE : 0x1BE + 16] = entry
    sector[510:512] = b"\x55\xaa"
    return bytes(sector) + bytes(512 * (start - 1))


def _copy_photos(filesystem: Path, photos: dict[str, bytes]) -> None:
    """Copy ``photos`` into the FAT image with mtools (no mount), with a fixed mtime."""
    staging = filesystem.with_suffix(".files")
    if staging.exists():
        shutil.rmtree(staging)
    for rel, data in photos.items():
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        (staging / rel).write_bytes(data)
        os.utime(staging / rel, (1_700_000_000, 1_700_000_000))
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    run(["mcopy", "-s", "-m", "-i", str(filesystem), str(staging / "DCIM"), "::"], env=env)
    shutil.rmtree(staging)


# --- the VM -------------------------------------------------------------------------------


class Vm:
    """QEMU with the disk, user networking (ssh, 80, 8080, 443, 445 forwarded), a monitor.

    amd64: qemu-system-x86_64 -M pc; arm64: qemu-system-aarch64 -M virt, Cortex-A72.
    """

    def __init__(
        self, work: Path, disk: Path, kernel: Path, initrd: Path, arch: str = "amd64"
    ) -> None:
        self.work, self.disk, self.kernel, self.initrd = work, disk, kernel, initrd
        self.arch = arch
        self.ports = {
            "ssh": free_port(),
            "http": free_port(),
            "web": free_port(),
            "smb": free_port(),
            "https": free_port(),
        }
        self.monitor_path = work / "monitor.sock"
        self.control_path = work / "ssh.sock"
        self.serial = work / "serial.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0

    def __enter__(self) -> Vm:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        forwards = ",".join(
            f"hostfwd=tcp:127.0.0.1:{self.ports[name]}-:{guest}"
            for name, guest in (
                ("ssh", 22),
                ("http", 80),
                ("web", 8080),
                ("smb", 445),
                ("https", 443),
            )
        )
        kvm = os.environ.get("SHOEBOX_VM_ACCEL") == "kvm" and os.access("/dev/kvm", os.W_OK)
        if self.arch == "arm64":
            kvm = False
            cmd = ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a72", "-accel", "tcg"]
            console = "ttyAMA0"
        else:
            cmd = ["qemu-system-x86_64", "-M", "pc"]
            cmd += ["-enable-kvm", "-cpu", "host"] if kvm else ["-accel", "tcg", "-cpu", "max"]
            console = "ttyS0"
        cmd += ["-smp", "2", "-m", str(MEMORY_MB)]
        cmd += ["-kernel", str(self.kernel), "-initrd", str(self.initrd)]
        cmd += ["-append", f"root=/dev/vda rw console={console} quiet mitigations=off"]
        cmd += ["-drive", f"file={self.disk},if=virtio,format=raw,cache=unsafe"]
        cmd += ["-netdev", f"user,id=net0,{forwards}", "-device", "virtio-net-pci,netdev=net0"]
        cmd += ["-device", "qemu-xhci,id=xhci", "-display", "none"]
        cmd += ["-monitor", f"unix:{self.monitor_path},server,nowait"]
        cmd += ["-serial", f"file:{self.serial}"]
        log(f"boot ({'KVM' if kvm else 'TCG'}): {' '.join(cmd)}")
        self.started = time.monotonic()
        self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            try:
                self.monitor("quit")
                self.process.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(10)

    # -- talking to it --

    def monitor(self, command: str) -> str:
        """One QEMU human-monitor command; returns what the monitor printed."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(30)
            sock.connect(str(self.monitor_path))
            self._read_prompt(sock)
            sock.sendall(command.encode() + b"\n")
            reply = self._read_prompt(sock)
        # The monitor echoes the command with readline escapes: keep what follows the echo.
        text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", reply).replace("\r", "")
        _, _, output = text.partition("\n")
        return output.strip()

    @staticmethod
    def _read_prompt(sock: socket.socket) -> str:
        data = b""
        while not data.endswith(b"(qemu) "):
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.decode(errors="replace").replace("(qemu) ", "")

    def ssh(self, command: str, timeout: float = 120, check: bool = True) -> str:
        """Run a shell command in the VM as root; return its stdout."""
        if self.process and self.process.poll() is not None:
            raise VmError(f"the VM exited (code {self.process.returncode}); see {self.serial}")
        cmd = ["ssh", "-q", "-i", str(ssh_key(self.work)), "-p", str(self.ports["ssh"])]
        cmd += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
        # One connection for all commands: a new SSH handshake costs an emulated CPU seconds.
        cmd += ["-o", "ControlMaster=auto", "-o", f"ControlPath={self.control_path}"]
        cmd += ["-o", "ControlPersist=300", "-o", "ServerAliveInterval=10"]
        cmd += ["-o", "ConnectTimeout=10", "-o", "BatchMode=yes", "root@127.0.0.1", command]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise VmError(f"`{command}` failed ({done.returncode}): {done.stderr}{done.stdout}")
        return done.stdout.strip()

    def put(self, path: str, data: bytes) -> None:
        """Write ``data`` to ``path`` in the VM (through SSH's stdin)."""
        cmd = ["ssh", "-q", "-i", str(ssh_key(self.work)), "-p", str(self.ports["ssh"])]
        cmd += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
        cmd += ["-o", "ControlMaster=auto", "-o", f"ControlPath={self.control_path}"]
        cmd += ["-o", "BatchMode=yes", "root@127.0.0.1", f"cat >{shlex.quote(path)}"]
        done = subprocess.run(cmd, input=data, capture_output=True, timeout=120)
        if done.returncode != 0:
            raise VmError(f"writing {path} in the VM failed: {done.stderr.decode()}")

    def reset(self) -> None:
        """A hard reset (the power button held): QEMU's system_reset, SSH starts over."""
        self.monitor("system_reset")
        self.started = time.monotonic()
        subprocess.run(
            ["ssh", "-o", f"ControlPath={self.control_path}", "-O", "exit", "x"],
            capture_output=True,
            timeout=10,
            check=False,
        )
        self.control_path.unlink(missing_ok=True)

    def wait_for_ssh(self, timeout: float = 900) -> float:
        """Wait until SSH answers; return the seconds since QEMU started."""
        wait_until("SSH in the VM", lambda: self.ssh("true", timeout=30) == "", timeout, 5)
        return time.monotonic() - self.started

    def http(self, port_name: str, path: str) -> tuple[int, str]:
        """GET from the host through the forwarded port: (status, body)."""
        import urllib.error
        import urllib.request

        url = f"http://127.0.0.1:{self.ports[port_name]}{path}"
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def http_when(self, port_name: str, path: str, code: int) -> tuple[int, str] | None:
        """(status, body) of a GET when its status is ``code``, else None (for wait_until)."""
        reply = self.http(port_name, path)
        return reply if reply[0] == code else None

    def sql(self, query: str, db: str = "/srv/shoebox/catalog.db") -> str:
        return self.ssh(f"sqlite3 -readonly -cmd '.timeout 10000' {db} \"{query}\"")

    # -- USB hot-plug --

    def plug(self, name: str, image: Path, read_only: bool = False) -> None:
        ro = ",readonly=on" if read_only else ""
        reply = self.monitor(f"drive_add 0 if=none,id={name},file={image},format=raw{ro}")
        if "OK" not in reply:
            raise VmError(f"drive_add {name}: {reply}")
        reply = self.monitor(f"device_add usb-storage,bus=xhci.0,drive={name},id={name}")
        if reply:
            raise VmError(f"device_add {name}: {reply}")
        log(f"plugged {name} ({image.name}{', write-protected' if read_only else ''})")

    def plug_phone(self, name: str, folder: Path) -> None:
        """A phone by cable: QEMU's MTP device showing ``folder``, read-only."""
        reply = self.monitor(
            f"device_add usb-mtp,bus=xhci.0,rootdir={folder},readonly=on,desc={name},id={name}"
        )
        if reply:
            raise VmError(f"device_add {name}: {reply}")
        log(f"plugged phone {name} ({folder.name}, MTP, read-only)")

    def unplug(self, name: str) -> None:
        reply = self.monitor(f"device_del {name}")
        if reply:
            raise VmError(f"device_del {name}: {reply}")
        # A disk leaves the block list; a phone (MTP) the USB list ("ID: name").
        wait_until(
            f"{name} to leave the monitor's block and USB lists",
            lambda: (
                not re.search(rf"^{re.escape(name)}\b", self.monitor("info block"), re.M)
                and f"ID: {name}" not in self.monitor("info usb")
            ),
            60,
            1,
        )
        log(f"unplugged {name}")
