"""Server-side sessions: the cookie holds a random token, the catalog holds its hash.

Signing out deletes the row, so a copied cookie stops working at once; "sign out
everywhere" and a password or role change delete every other row of that user.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from appliance.catalog.models import Session, User, utcnow

LIFETIME = dt.timedelta(days=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def start_session(user_id: int, lifetime: dt.timedelta = LIFETIME) -> str:
    """Open a session for ``user_id``; return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    Session.create(token_hash=_hash(token), user=user_id, created_at=now, expires_at=now + lifetime)
    Session.delete().where(Session.expires_at <= now).execute()  # housekeeping
    return token


def session_user(token: str | None) -> User | None:
    """The user of a live session, or None (unknown, ended or expired token)."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    row = (
        Session.select(Session, User)
        .join(User)
        .where((Session.token_hash == _hash(token)) & (Session.expires_at > utcnow()))
        .first()
    )
    return None if row is None else row.user


def end_session(token: str | None) -> None:
    """Sign one session out (no-op for an unknown token)."""
    if token and isinstance(token, str):
        Session.delete().where(Session.token_hash == _hash(token)).execute()


def end_user_sessions(user_id: int, keep: str | None = None) -> int:
    """End every session of ``user_id`` except ``keep``; return how many ended."""
    condition = Session.user == user_id
    if keep:
        condition &= Session.token_hash != _hash(keep)
    return Session.delete().where(condition).execute()
