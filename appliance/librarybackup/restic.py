"""The one place that runs ``restic``: repository, password file, cache and SSH are set here.

restic is Debian's package (``/usr/bin/restic``). Its memory is kept small for a 2 GB Pi
with ``GOGC`` (the Go collector runs more often); the cache lives on the library disk.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appliance.librarybackup.targets import Target, TargetStore

GOGC = "25"  # restic's heap grows to 1.25x its live data, not 2x (Go's default)
# The repository is missing or the password does not open it (restic's own messages).
NO_REPOSITORY = ("Is there a repository at the following location", "does not exist")
WRONG_KEY = ("wrong password", "no key found")


class ResticError(RuntimeError):
    """restic failed; the message carries its last lines."""


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def restic_binary() -> str:
    found = shutil.which("restic")
    if not found:
        raise ResticError("restic is not installed (Debian: apt-get install restic)")
    return found


class Restic:
    """restic bound to one target."""

    def __init__(self, target: Target, store: TargetStore, cache_dir: Path | None = None):
        self.target, self.store = target, store
        self.cache_dir = cache_dir

    def _ssh_command(self) -> str | None:
        ssh = self.target.ssh
        if ssh is None:
            return None
        host, port = ssh
        words = ["ssh", "-o", "BatchMode=yes", "-o", "ServerAliveInterval=15"]
        words += ["-o", "ServerAliveCountMax=4", "-o", "ConnectTimeout=20"]
        words += ["-o", f"UserKnownHostsFile={self.store.known_hosts}"]
        words += ["-o", "StrictHostKeyChecking=accept-new"]
        if self.store.ssh_key.exists():
            words += ["-i", str(self.store.ssh_key)]
        if port:
            words += ["-p", str(port)]
        return shlex.join([*words, host, "-s", "sftp"])

    def env(self, password: str | None = None) -> dict[str, str]:
        env = dict(os.environ)
        for name in list(env):
            if name.startswith("RESTIC_"):
                del env[name]
        env.update(self.store.extra_env(self.target.name))
        env["RESTIC_REPOSITORY"] = self.target.repository
        if password is not None:
            env["RESTIC_PASSWORD"] = password
        else:
            env["RESTIC_PASSWORD_FILE"] = str(self.store.key_path(self.target.name))
        if self.cache_dir is not None:
            env["RESTIC_CACHE_DIR"] = str(self.cache_dir)
        env.setdefault("GOGC", GOGC)
        return env

    def command(self, *args: str) -> list[str]:
        words = [restic_binary()]
        ssh = self._ssh_command()
        if ssh:
            words += ["-o", f"sftp.command={ssh}"]
        if self.cache_dir is None:
            words.append("--no-cache")
        return [*words, *args]

    def run(
        self,
        *args: str,
        password: str | None = None,
        cwd: Path | None = None,
        check: bool = True,
        on_line: Callable[[str], None] | None = None,
        timeout: float | None = None,
    ) -> Result:
        """Run restic; with ``on_line`` stdout is streamed line by line (``--json``)."""
        words = self.command(*args)
        env = self.env(password)
        if on_line is None:
            done = subprocess.run(
                words, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
            )
            result = Result(done.returncode, done.stdout, done.stderr)
        else:
            result = _streamed(words, env, cwd, on_line)
        if check and result.returncode != 0:
            raise ResticError(_tail(result, args))
        return result

    # --- the operations Shoebox uses ------------------------------------------------------

    def exists(self, password: str | None = None) -> bool:
        """Does the repository exist and open with the key? Raises for a wrong key."""
        result = self.run("cat", "config", password=password, check=False, timeout=120)
        if result.returncode == 0:
            return True
        text = result.stderr
        if any(w in text for w in WRONG_KEY):
            raise ResticError("the key does not open the repository at " + self.target.repository)
        if any(w in text for w in NO_REPOSITORY):
            return False
        raise ResticError(_tail(result, ("cat", "config")))

    def init(self) -> None:
        self.run("init", timeout=300)

    def unlock(self) -> None:
        """Remove stale locks (of a run that was killed); live ones stay."""
        self.run("unlock", check=False, timeout=300)

    def backup(
        self, cwd: Path, paths: Sequence[str], excludes: Sequence[str], tags: Sequence[str]
    ) -> dict[str, Any]:
        """Back up ``paths`` (relative to ``cwd``); returns restic's JSON summary."""
        args = ["backup", "--json", "--one-file-system"]
        for pattern in excludes:
            args += ["--exclude", pattern]
        for tag in tags:
            args += ["--tag", tag]
        summary: dict[str, Any] = {}

        def seen(line: str) -> None:
            if line.startswith("{") and '"summary"' in line:
                summary.update(json.loads(line))

        self.run(*args, *paths, cwd=cwd, on_line=seen)
        if not summary.get("snapshot_id"):
            raise ResticError("restic backup ended without a snapshot")
        return summary

    def check(self, read_subset: str | None = None) -> None:
        """``restic check`` (structure); with ``read_subset`` ("5%") also read that data."""
        args = ["check"]
        if read_subset:
            args.append(f"--read-data-subset={read_subset}")
        self.run(*args)

    def forget(self, keep: Sequence[str]) -> None:
        """Forget the snapshots that ``keep`` (restic's ``--keep-*`` options) does not keep,
        and prune the data only they used."""
        self.run("forget", "--prune", "--group-by", "host,paths", *keep)

    def snapshots(self) -> list[dict[str, Any]]:
        return json.loads(self.run("snapshots", "--json", timeout=600).stdout or "[]")

    def restore(self, snapshot: str, target: Path, includes: Sequence[str] = ()) -> None:
        args = ["restore", snapshot, "--target", str(target)]
        for pattern in includes:
            args += ["--include", pattern]
        self.run(*args)

    def dump(self, snapshot: str, path: str, into: Path) -> None:
        """Write one file of a snapshot to ``into``."""
        with open(into, "wb") as fh:
            done = subprocess.run(
                self.command("dump", snapshot, path),
                env=self.env(),
                stdout=fh,
                stderr=subprocess.PIPE,
                timeout=3600,
            )
        if done.returncode != 0:
            raise ResticError(done.stderr.decode(errors="replace").strip()[-500:])

    def stats(self) -> dict[str, Any]:
        """The repository's size on its storage (``raw-data`` mode)."""
        return json.loads(self.run("stats", "--json", "--mode", "raw-data").stdout)


def _streamed(
    words: list[str], env: dict[str, str], cwd: Path | None, on_line: Callable[[str], None]
) -> Result:
    """Run restic, handing each stdout line to ``on_line``; stderr goes to a file (a full
    pipe would block restic). Interrupted (SIGTERM, an error), restic is stopped with
    SIGINT, which removes its lock."""
    with tempfile.TemporaryFile(mode="w+") as errors:
        proc = subprocess.Popen(
            words, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=errors, text=True
        )
        lines: list[str] = []
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line)
                on_line(line)
            proc.wait()
        except BaseException:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise
        errors.seek(0)
        return Result(proc.returncode, "".join(lines), errors.read())


def _tail(result: Result, args: Sequence[str]) -> str:
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    what = " ".join(args[:1])
    return f"restic {what} failed ({result.returncode}): " + " / ".join(lines[-3:])
