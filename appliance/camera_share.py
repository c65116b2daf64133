"""The camera share's account (Samba), set by an admin in the web UI, without a shell.

The web service is sandboxed and unprivileged, so it never runs Samba's tools. It writes
a request into ``Settings.camera_share_dir``; the root unit shoebox-camera-share.service
(started by its path unit when the request appears) applies it with ``adduser`` and
``smbpasswd`` (systemd/shoebox-camera-share-apply), deletes it and writes ``state.json``,
which the settings page shows. Nothing is shared until an account is set: the image ships
with no known password.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from appliance.errors import BadRequest

REQUEST = "request"  # lines: enabled (1/0), user name, password; mode 0600
TAKEN = "request.taken"  # the request the root helper is applying
STATE = "state.json"  # written by the root helper
USERNAME = re.compile(r"^[a-z][a-z0-9_-]{1,30}$")
# Names that are (or could be) the box's own accounts: never a share account.
RESERVED = frozenset(
    {"root", "shoebox", "pi", "admin", "daemon", "nobody", "sshd", "avahi", "messagebus"}
)
PASSWORD_LENGTH = (8, 128)


class ShareError(BadRequest):
    """A refused camera-share account (name or password): 400."""


def available() -> bool:
    """Whether Samba is installed on this machine (the image installs it; a dev box not)."""
    return shutil.which("smbd", path="/usr/sbin:/usr/bin:/sbin") is not None


def validate(username: str, password: str) -> None:
    if not isinstance(username, str) or not USERNAME.fullmatch(username):
        raise ShareError(
            "the share's user name is 2 to 31 lower-case letters, digits, - or _,"
            " starting with a letter"
        )
    if username in RESERVED:
        raise ShareError(f"{username!r} is one of the box's own accounts: choose another name")
    low, high = PASSWORD_LENGTH
    if not isinstance(password, str) or not low <= len(password) <= high:
        raise ShareError(f"the share's password is {low} to {high} characters")
    if any(ch in password for ch in "\r\n\0"):
        raise ShareError("the share's password cannot contain line breaks")


def request_account(folder: Path, username: str, password: str) -> None:
    """Ask for the share's account: ``username`` with ``password``, turned on."""
    validate(username, password)
    _write_request(folder, f"1\n{username}\n{password}\n")


def request_off(folder: Path) -> None:
    """Ask for the share's account to be turned off (its password kept, unusable)."""
    current = read_state(folder).get("username")
    if not current:
        raise ShareError("the camera share has no account to turn off")
    _write_request(folder, f"0\n{current}\n\n")


def _write_request(folder: Path, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o750)
    partial = folder / f".{REQUEST}.partial"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, folder / REQUEST)  # the path unit sees a whole request or none


def read_state(folder: Path) -> dict[str, Any]:
    """The share as the root helper last left it: ``username``, ``enabled``,
    ``applied_at``, ``error``; ``pending`` while a request waits; ``available``."""
    try:
        state = json.loads((folder / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    return {
        "available": available(),
        "username": state.get("username"),
        "enabled": bool(state.get("enabled")),
        "applied_at": state.get("applied_at"),
        "error": state.get("error"),
        "pending": (folder / REQUEST).exists() or (folder / TAKEN).exists(),
        "share": "inbox",
    }
