"""Backup targets, their keys and the recovery sheet, kept in the state folder (SD card).

Layout of ``Settings.backup_state_dir``::

    targets.json          {name: {repository, kind, created}}
    keys/NAME.key         the repository's password (0600)
    env/NAME.json         extra environment for restic (S3 credentials; 0600)
    recovery/NAME.txt     the recovery sheet printed at `add`
    status/NAME.json      the outcome of the runs (runner, status)
    ssh/id_ed25519        the box's SSH key for SFTP targets; ssh/known_hosts
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import secrets
import socket
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
# restic's other backends, passed through as they are (credentials in env/NAME.json)
PASSTHROUGH = ("s3:", "rest:", "b2:", "azure:", "gs:", "swift:", "rclone:")


class TargetError(ValueError):
    """A target that cannot be added, found or used."""


@dataclass(frozen=True)
class Target:
    """One place a copy of the library goes."""

    name: str
    repository: str  # restic's repository string
    kind: str  # folder | sftp | s3 | other
    created: str = ""

    @property
    def ssh(self) -> tuple[str, int | None] | None:
        """``(user@host, port)`` of an SFTP target."""
        if self.kind != "sftp":
            return None
        if self.repository.startswith("sftp://"):
            parts = urlsplit(self.repository)
            user = f"{parts.username}@" if parts.username else ""
            return f"{user}{parts.hostname}", parts.port
        host = self.repository[len("sftp:") :].split(":", 1)[0]
        return host, None

    @property
    def folder(self) -> Path | None:
        return Path(self.repository) if self.kind == "folder" else None


def parse_target(text: str) -> tuple[str, str]:
    """``(kind, restic repository)`` for a TARGET as typed: a folder, ``sftp:user@host:/path``
    (or ``sftp://user@host:port//path``), ``s3:https://host/bucket/path`` or another restic
    backend string."""
    if text.startswith("sftp:"):
        rest = text[len("sftp:") :]
        if rest.startswith("//"):
            parts = urlsplit(text)
            if not parts.hostname or not parts.path.strip("/"):
                raise TargetError(f"{text}: expected sftp://user@host:port//path")
        elif ":" not in rest or not rest.split(":", 1)[1]:
            raise TargetError(f"{text}: expected sftp:user@host:/path")
        return "sftp", text
    if text.startswith(PASSTHROUGH):
        return ("s3" if text.startswith("s3:") else "other"), text
    if re.match(r"^[a-z][a-z0-9+]*:", text) and not text.startswith("/"):
        raise TargetError(f"{text}: unknown kind of target (a folder, sftp:, s3:, rest:...)")
    return "folder", str(Path(text).expanduser().absolute())


def new_key() -> str:
    """A random key that can be typed from paper: 32 letters/digits in groups of four."""
    text = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class TargetStore:
    """The targets of one box, in its state folder."""

    def __init__(self, state_dir: Path) -> None:
        self.root = Path(state_dir)

    @property
    def _index(self) -> Path:
        return self.root / "targets.json"

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            return json.loads(self._index.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def targets(self) -> list[Target]:
        return [Target(**fields) for _, fields in sorted(self._load().items())]

    def get(self, name: str) -> Target:
        fields = self._load().get(name)
        if fields is None:
            known = ", ".join(t.name for t in self.targets()) or "none yet"
            raise TargetError(f"no backup target {name!r} (targets: {known})")
        return Target(**fields)

    def add(self, name: str, text: str, key: str, env: dict[str, str] | None = None) -> Target:
        if not NAME.match(name):
            raise TargetError(f"{name!r}: a name is lower-case letters, digits, - and _")
        found = self._load()
        if name in found:
            raise TargetError(f"a target {name!r} exists already")
        kind, repository = parse_target(text)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        target = Target(name, repository, kind, now)
        _write_private(self.key_path(name), key + "\n")
        if env:
            _write_private(self.env_path(name), json.dumps(env))
        found[name] = asdict(target)
        _write_private(self._index, json.dumps(found, indent=1, sort_keys=True))
        return target

    def remove(self, name: str) -> None:
        """Forget a target (its repository and key file are left where they are)."""
        found = self._load()
        found.pop(name, None)
        _write_private(self._index, json.dumps(found, indent=1, sort_keys=True))

    def key_path(self, name: str) -> Path:
        return self.root / "keys" / f"{name}.key"

    def env_path(self, name: str) -> Path:
        return self.root / "env" / f"{name}.json"

    def status_path(self, name: str) -> Path:
        return self.root / "status" / f"{name}.json"

    def recovery_path(self, name: str) -> Path:
        return self.root / "recovery" / f"{name}.txt"

    def extra_env(self, name: str) -> dict[str, str]:
        try:
            return json.loads(self.env_path(name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    @property
    def ssh_key(self) -> Path:
        return self.root / "ssh" / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.root / "ssh" / "known_hosts"

    def ensure_ssh_key(self) -> Path:
        """The box's SSH key for SFTP targets (made once); returns the public key's path."""
        if not self.ssh_key.exists():
            self.ssh_key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            comment = f"shoebox-backup@{socket.gethostname()}"
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment]
                + ["-f", str(self.ssh_key)],
                check=True,
                capture_output=True,
                timeout=60,
            )
        return self.ssh_key.with_name(self.ssh_key.name + ".pub")

    def read_status(self, name: str) -> dict[str, Any]:
        try:
            return json.loads(self.status_path(name).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def write_status(self, name: str, status: dict[str, Any]) -> None:
        _write_private(self.status_path(name), json.dumps(status, indent=1, sort_keys=True))


def recovery_sheet(target: Target, key: str, host: str | None = None) -> str:
    """The page to print and keep away from the box: enough to restore without it."""
    host = host or socket.gethostname()
    return f"""SHOEBOX RECOVERY SHEET - keep this page safe, away from the box
=====================================================================
Box:         {host}
Target:      {target.name} ({target.kind})
Repository:  {target.repository}
Created:     {target.created}

KEY:         {key}

Without this key nobody (not even you) can read the backup.

To restore on a new box (or any Debian machine with Shoebox and restic):
  SHOEBOX_BACKUP_PASSWORD='{key}' \\
      shoebox library-backup add {target.name} '{target.repository}'
  shoebox library-backup restore {target.name} --to /srv/shoebox
Without Shoebox, restic alone reads it:
  restic -r '{target.repository}' restore latest --target /some/empty/folder
  (the catalogue is .library-backup/shoebox-catalog/catalog-snapshot.db there:
  rename it to catalog.db beside originals/)
"""
