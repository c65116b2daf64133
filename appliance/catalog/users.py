"""User accounts: scrypt password hashes, the race-free first admin, the boot seed file."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import tomllib
from pathlib import Path

from appliance.catalog.models import Job, Photo, User, database_proxy, utcnow
from appliance.catalog.private import claim_for
from appliance.catalog.sessions import end_user_sessions
from appliance.errors import BadRequest, NotFound

log = logging.getLogger(__name__)

ROLES = ("admin", "member")
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MIN_PASSWORD, MAX_PASSWORD = 8, 1024
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


class UserError(BadRequest):
    """A user operation was refused; the message says why."""


class UserNotFound(NotFound, UserError):
    """No user with that id."""


class SetupClosed(UserError):
    """An admin already exists, so first-run setup is over."""


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32
    )


def hash_password(password: str) -> str:
    """A self-describing scrypt hash: ``scrypt$N$r$p$salt$hash`` (base64)."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
        return hmac.compare_digest(actual, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


_DUMMY_HASH = "$".join(
    ("scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P))
    + (base64.b64encode(bytes(16)).decode(), base64.b64encode(bytes(32)).decode())
)


def check_username(username: str) -> str:
    username = (username or "").strip()
    if not _USERNAME.match(username):
        raise UserError("user names are 1-40 letters, digits, dots, dashes or underscores")
    return username


def check_password(password: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise UserError(f"passwords need at least {MIN_PASSWORD} characters")
    return password


def admin_exists() -> bool:
    return User.select().where(User.role == "admin").exists()


def create_user(username: str, password: str, role: str = "member") -> User:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    username = check_username(username)
    password_hash = hash_password(check_password(password))
    with database_proxy.atomic():
        if User.select().where(User.username == username).exists():
            raise UserError(f"the user name {username!r} is taken")
        user = User.create(username=username, password_hash=password_hash, role=role)
        claim_for(user)  # private photos a rebuild kept for this name
        return user


def create_first_admin(username: str, password: str) -> User:
    """Create the first admin; raise :class:`SetupClosed` if one exists (race-free)."""
    username = check_username(username)
    password_hash = hash_password(check_password(password))
    # Catalog transactions begin IMMEDIATE (catalog.db): the write lock is taken before the
    # check, so two setups cannot both pass it.
    with database_proxy.atomic():
        if admin_exists():
            raise SetupClosed("setup is already done: sign in instead")
        if User.select().where(User.username == username).exists():
            raise UserError(f"the user name {username!r} is taken")
        user = User.create(username=username, password_hash=password_hash, role="admin")
        claim_for(user)
        return user


def authenticate(username: str, password: str) -> User | None:
    """The user if the password matches; takes the same time for unknown names."""
    user = User.get_or_none(User.username == (username or "").strip())
    if user is None:
        verify_password(password or "", _DUMMY_HASH)
        return None
    if not verify_password(password or "", user.password_hash):
        return None
    User.update(last_login=utcnow()).where(User.id == user.id).execute()
    return user


def list_users() -> list[User]:
    return list(User.select().order_by(User.username))


def get_user(user_id: int) -> User:
    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise UserNotFound(f"no user {user_id}")
    return user


def find_user(username: str) -> User | None:
    return User.get_or_none(User.username == username)


def set_password(user_id: int, password: str, keep_session: str | None = None) -> None:
    """Change a password; every session of that user but ``keep_session`` ends."""
    password_hash = hash_password(check_password(password))
    with database_proxy.atomic():
        if not User.update(password_hash=password_hash).where(User.id == user_id).execute():
            raise UserNotFound(f"no user {user_id}")
        end_user_sessions(user_id, keep_session)


def _admins_after(user_id: int, role: str | None) -> int:
    others = User.select().where((User.role == "admin") & (User.id != user_id)).count()
    return others + (1 if role == "admin" else 0)


def set_role(user_id: int, role: str, keep_session: str | None = None) -> None:
    """Change a role; when it really changes, every session of that user but
    ``keep_session`` ends (a demoted admin signs in again as a member)."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    with database_proxy.atomic():
        user = User.get_or_none(User.id == user_id)
        if user is None:
            raise UserNotFound(f"no user {user_id}")
        if _admins_after(user_id, role) == 0:
            raise UserError("the last admin cannot lose the admin role")
        if user.role != role:
            User.update(role=role).where(User.id == user_id).execute()
            end_user_sessions(user_id, keep_session)


def delete_user(user_id: int) -> None:
    """Delete an account; the photos it added stay, and become the family's (admins').
    Not while it keeps private photos: they would become everyone's, or nobody's; its
    owner moves them out of Private first (`catalog.private`)."""
    with database_proxy.atomic():
        if _admins_after(user_id, None) == 0:
            raise UserError("the last admin cannot be deleted")
        kept = Photo.select().where((Photo.owner_id == user_id) & (Photo.private == True)).count()  # noqa: E712
        if kept:
            raise UserError(
                f"this account keeps {kept} private photo{'s' if kept != 1 else ''}: "
                "its owner moves them out of Private first (they would become the family's)"
            )
        if not User.delete().where(User.id == user_id).execute():
            raise UserNotFound(f"no user {user_id}")
        Photo.update(owner_id=None).where(Photo.owner_id == user_id).execute()
        Job.update(owner_id=None).where(Job.owner_id == user_id).execute()


def consume_seed_file(path: Path | None) -> User | None:
    """Create the first admin from a TOML seed file (``username``, ``password``), then delete
    it. Does nothing when there is no file or an admin exists; a bad file raises UserError."""
    if path is None or not str(path) or not Path(path).is_file():
        return None
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"setup file {path}: {exc}") from exc
    user = None
    if not admin_exists():
        try:
            user = create_first_admin(
                str(data.get("username", "admin")), str(data.get("password", ""))
            )
        except SetupClosed:
            user = None
        except UserError as exc:
            raise UserError(f"setup file {path}: {exc}") from exc
    try:
        path.unlink()
    except OSError:
        log.warning("could not delete setup file %s; delete it by hand", path)
    if user is not None:
        log.info("first admin %r created from %s", user.username, path)
    return user
