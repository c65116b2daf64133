"""The SQL of phones that back up over WebDAV (`appliance.phones`): their rows, and the
library's copy of what one sent. The listing of each phone's folder is `phone_listing`."""

from __future__ import annotations

from appliance.catalog.models import File, Job, Phone, User, database_proxy, utcnow


def create_phone(user: User, name: str, token_hash: str) -> Phone | None:
    """A new phone row; None when the user has a phone of that name already."""
    with database_proxy.atomic():
        if Phone.get_or_none((Phone.user == user) & (Phone.name == name)):
            return None
        return Phone.create(user=user, name=name, token_hash=token_hash)


def phones_of(user: User) -> list[Phone]:
    return list(Phone.select().where(Phone.user == user).order_by(Phone.name))


def delete_phone(user: User, name: str) -> int:
    return Phone.delete().where((Phone.user == user) & (Phone.name == name)).execute()


def phone_by_token(token_hash: str) -> Phone | None:
    """The phone whose app password hashes to ``token_hash`` (its user loaded too)."""
    return Phone.select(Phone, User).join(User).where(Phone.token_hash == token_hash).first()


def own_phone(phone_id: int, user_id: int) -> Phone | None:
    return Phone.get_or_none((Phone.id == phone_id) & (Phone.user == user_id))


def all_phones() -> list[Phone]:
    """Every phone with its user, by user and name (the status page)."""
    return list(Phone.select(Phone, User).join(User).order_by(User.username, Phone.name))


def count_backup(phone_id: int, size: int) -> None:
    """A file arrived from the phone."""
    Phone.update(last_backup_at=utcnow(), files=Phone.files + 1, bytes=Phone.bytes + size).where(
        Phone.id == phone_id
    ).execute()


def stored_path(sha256: str | None) -> str | None:
    """Where under originals/ the library keeps the file with this content, if it does."""
    stored = File.get_or_none(File.sha256 == sha256) if sha256 else None
    return stored.stored_path if stored is not None else None


def job_path(job_id: int | None) -> str | None:
    """The path an import job reads (an upload waiting in, or refused from, uploads/)."""
    job = Job.get_or_none(Job.id == job_id) if job_id else None
    return job.path if job is not None else None
