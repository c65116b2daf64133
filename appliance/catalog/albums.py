"""Albums and their share links (write side)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from appliance.catalog.models import (
    Album,
    AlbumPhoto,
    AlbumTrash,
    File,
    Photo,
    ShareLink,
    database_proxy,
    utcnow,
)
from appliance.catalog.private import not_private
from appliance.catalog.queries import is_share_active
from appliance.catalog.users import hash_password, verify_password
from appliance.errors import BadRequest, NotFound

MAX_TITLE = 200
MAX_BATCH = 5000
MIN_SHARE_PASSWORD, MAX_SHARE_PASSWORD = 4, 200


class AlbumError(BadRequest):
    """An album operation was refused; the message says why."""


class AlbumNotFound(NotFound, AlbumError):
    """No such album (or share link), or not in the trash when restoring."""


def _title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title or len(title) > MAX_TITLE:
        raise AlbumError(f"an album needs a title of 1-{MAX_TITLE} characters")
    return title


def _ids(photo_ids: Iterable[int]) -> list[int]:
    try:
        ids = sorted({int(i) for i in photo_ids})
    except (TypeError, ValueError):
        raise AlbumError("photo ids must be numbers") from None
    if len(ids) > MAX_BATCH:
        raise AlbumError(f"at most {MAX_BATCH} photos at a time")
    return ids


def get_album(album_id: int) -> Album:
    album = Album.get_or_none(Album.id == album_id)
    if album is None or AlbumTrash.select().where(AlbumTrash.album == album_id).exists():
        raise AlbumNotFound(f"no album {album_id}")
    return album


def create_album(
    title: str, user_id: int | None = None, photo_ids: Iterable[int] = (), description: str = ""
) -> Album:
    with database_proxy.atomic():
        album = Album.create(title=_title(title), created_by=user_id, description=description)
        add_photos(album.id, photo_ids)
    return album


def album_titled(title: str, description: str = "") -> Album:
    """The album called ``title`` (not in the trash), made when there is none: an import
    that runs again (or resumes) fills the same album."""
    with database_proxy.atomic():
        found = (
            Album.select()
            .where(
                (Album.title == _title(title))
                & Album.id.not_in(AlbumTrash.select(AlbumTrash.album))
            )
            .order_by(Album.id)
            .first()
        )
        return found or create_album(title, description=description)


def update_album(album_id: int, title: str | None = None, description: str | None = None) -> None:
    album = get_album(album_id)
    if title is not None:
        album.title = _title(title)
    if description is not None:
        album.description = description[:5000]
    album.updated_at = utcnow()
    album.save()


def delete_album(album_id: int) -> None:
    """Move an album to the trash (its photos stay; restorable until the trash is emptied)."""
    get_album(album_id)
    AlbumTrash.insert(album=album_id).on_conflict_ignore().execute()


def restore_album(album_id: int) -> None:
    if not AlbumTrash.delete().where(AlbumTrash.album == album_id).execute():
        raise AlbumNotFound(f"no album {album_id} in the trash")


def add_photos(album_id: int, photo_ids: Iterable[int]) -> int:
    """Add photos (unknown ids are ignored, duplicates kept once); returns how many were new."""
    ids = _ids(photo_ids)
    if not ids:
        return 0
    with database_proxy.atomic():
        get_album(album_id)
        existing = set(Photo.select(Photo.id).where(Photo.id.in_(ids)).tuples())
        present = set(
            AlbumPhoto.select(AlbumPhoto.photo)
            .where((AlbumPhoto.album == album_id) & (AlbumPhoto.photo.in_(ids)))
            .tuples()
        )
        new = [{"album": album_id, "photo": pid} for (pid,) in existing - present]
        if new:
            AlbumPhoto.insert_many(new).execute()
        Album.update(updated_at=utcnow()).where(Album.id == album_id).execute()
    return len(new)


def remove_photos(album_id: int, photo_ids: Iterable[int]) -> int:
    ids = _ids(photo_ids)
    with database_proxy.atomic():
        album = get_album(album_id)
        removed = (
            AlbumPhoto.delete()
            .where((AlbumPhoto.album == album_id) & (AlbumPhoto.photo.in_(ids)))
            .execute()
        )
        if album.cover_photo_id in ids:
            album.cover_photo = None
        album.updated_at = utcnow()
        album.save()
    return removed


def set_cover(album_id: int, photo_id: int) -> None:
    album = get_album(album_id)
    exists = AlbumPhoto.select().where(
        (AlbumPhoto.album == album_id) & (AlbumPhoto.photo == photo_id)
    )
    if not exists.exists():
        raise AlbumError("the cover must be a photo of the album")
    album.cover_photo = photo_id
    album.save()


def create_share(
    album_id: int,
    expires_days: float | None = None,
    password: str | None = None,
    allow_download: bool = False,
) -> ShareLink:
    """A new unguessable read-only link to the album (256 bits of randomness); with a
    ``password`` (kept hashed) visitors type it first; ``allow_download`` lets them
    download the album's originals as a zip."""
    get_album(album_id)
    expires_at = None
    if expires_days is not None:
        if not 1 <= float(expires_days) <= 3650:  # NaN fails too
            raise AlbumError("a share link expires after 1 to 3650 days, or never")
        expires_at = utcnow() + dt.timedelta(days=float(expires_days))
    password_hash = None
    if password:
        if not MIN_SHARE_PASSWORD <= len(password) <= MAX_SHARE_PASSWORD:
            raise AlbumError(
                f"a share password has {MIN_SHARE_PASSWORD} to {MAX_SHARE_PASSWORD} characters"
            )
        password_hash = hash_password(password)
    return ShareLink.create(
        album=album_id,
        token=secrets.token_urlsafe(32),
        expires_at=expires_at,
        password_hash=password_hash,
        allow_download=bool(allow_download),
    )


def share_password_ok(share: ShareLink, password: str) -> bool:
    """Whether ``password`` opens a password-protected link."""
    return bool(share.password_hash) and verify_password(password or "", share.password_hash)


def revoke_share(share_id: int) -> None:
    if not ShareLink.update(revoked=True).where(ShareLink.id == share_id).execute():
        raise AlbumNotFound(f"no share link {share_id}")


def get_share(share_id: int) -> ShareLink:
    share = ShareLink.get_or_none(ShareLink.id == share_id)
    if share is None:
        raise AlbumNotFound(f"no share link {share_id}")
    return share


def album_of_share(share: ShareLink) -> Album:
    """The album a (live) share link shows."""
    return Album.get_by_id(share.album_id)


def album_in_trash(album_id: int) -> Album:
    """An album that exists (in the trash or not), for the trash page's restore."""
    album = Album.get_or_none(Album.id == album_id)
    if album is None:
        raise AlbumNotFound(f"no album {album_id}")
    return album


def active_share(token: str) -> ShareLink | None:
    """The live share link for ``token``, or None (unknown, revoked or expired)."""
    if not token or len(token) > 100:
        return None
    share = ShareLink.get_or_none(ShareLink.token == token)
    if share is None or not is_share_active(share):
        return None
    trashed = AlbumTrash.select().where(AlbumTrash.album == share.album_id).exists()
    return None if trashed else share


def shared_files(album_id: int, where: object = None) -> list[File]:
    """The original files of the album's photos a share link may show (``where``: the
    shareable-photo condition), oldest photo first, for the visitors' zip."""
    condition = (AlbumPhoto.album == album_id) & Photo.trashed_at.is_null() & not_private()
    condition &= File.role == "original"
    if where is not None:
        condition &= where
    return list(
        File.select(File, Photo)
        .join(Photo)
        .join(AlbumPhoto, on=AlbumPhoto.photo == Photo.id)
        .where(condition)
        .order_by(Photo.sort_time, Photo.id, File.id)
    )


def list_shares(album_id: int) -> list[ShareLink]:
    return [
        s
        for s in ShareLink.select().where(ShareLink.album == album_id).order_by(ShareLink.id)
        if is_share_active(s)
    ]
