"""A member's phones and their app passwords.

An app password is shown once, when the phone is added; the catalogue keeps its SHA-256
(the password holds 160 random bits, so a slow hash would add nothing and cost every
request a slow check). It signs in to backup (WebDAV) only, never to the web UI.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass

from appliance.catalog import phones as phone_rows
from appliance.catalog.models import Phone, User
from appliance.catalog.users import find_user
from appliance.errors import BadRequest, NotFound

MAX_NAME = 60
_NAME = re.compile(r"^[^\x00-\x1f\x7f/\\]{1,60}$")
_GROUPS, _GROUP = 5, 6  # "abcdef-ghijkl-...": easy to type from the screen if need be
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l
VERIFIED_FOR = 600.0  # seconds an app password checked by the app opens the HTTP gate
_verified: dict[str, float] = {}
_verified_lock = threading.Lock()


class PhoneError(BadRequest):
    """A phone operation was refused; the message says why."""


class PhoneNotFound(NotFound, PhoneError):
    """No such phone (or no such user)."""


@dataclass(frozen=True)
class NewPhone:
    phone: Phone
    password: str  # shown once


def token_hash(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8", "surrogateescape")).hexdigest()


def _new_password() -> str:
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(_GROUP)) for _ in range(_GROUPS))
    return "-".join(groups)  # 30 characters of 32 symbols: 150 bits


def _user(username: str) -> User:
    user = find_user(username)
    if user is None:
        raise PhoneNotFound(f"no user {username!r}")
    return user


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise PhoneError(f"a phone's name is 1 to {MAX_NAME} characters, without / or \\")
    return name


def add_phone(username: str, name: str) -> NewPhone:
    """A new phone for ``username`` with a new app password (names are unique per user)."""
    user, name = _user(username), check_name(name)
    password = _new_password()
    phone = phone_rows.create_phone(user, name, token_hash(password))
    if phone is None:
        raise PhoneError(f"{username} already has a phone called {name!r}")
    return NewPhone(phone, password)


def list_phones(username: str) -> list[Phone]:
    return phone_rows.phones_of(_user(username))


def revoke_phone(username: str, name: str) -> None:
    """Forget the phone: its app password stops working at once; what it sent stays in the
    library (its backup listing goes with it)."""
    if not phone_rows.delete_phone(_user(username), name):
        raise PhoneNotFound(f"{username} has no phone called {name!r}")


def phone_for(username: str, password: str) -> Phone | None:
    """The phone this user name and app password belong to, or None."""
    if not password or len(password) > 200:
        return None
    phone = phone_rows.phone_by_token(token_hash(password))
    if phone is None or phone.user.username != username:
        return None
    return phone


def count_backup(phone_id: int, size: int) -> None:
    """A file arrived from the phone."""
    phone_rows.count_backup(phone_id, size)


def remember_verified(password: str) -> None:
    """This process checked ``password`` just now: large bodies sent with it may pass the
    HTTP gate (`web.gate`) without a catalogue lookup in the server's parser thread."""
    now = time.monotonic()
    with _verified_lock:
        if len(_verified) > 1000:
            for key in [k for k, until in _verified.items() if until < now]:
                del _verified[key]
        _verified[token_hash(password)] = now + VERIFIED_FOR


def recently_verified(password: str) -> bool:
    """Whether the app verified ``password`` in the last ``VERIFIED_FOR`` seconds (the app
    checks it again against the catalogue before it uses the body)."""
    with _verified_lock:
        return _verified.get(token_hash(password), 0.0) > time.monotonic()
