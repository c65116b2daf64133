"""Private photos: a member's photos that only they see, in Private, behind a second step.

The rule, kept in one place: a private photo is out of every listing of the library, for
everyone, its owner included (timeline, search, suggestions, places and the map, people and
faces, memories, duplicates, albums, shares, zips, live updates, the trash). Each listing
narrows with :func:`not_private`. Its owner reaches it only in Private, while their session
is unlocked (`web.private`); every route that names one photo, file or face asks
:func:`hidden_from` first, so a guessed id or checksum answers 404.

Only a photo's owner makes it private or not: the member who uploaded it or whose phone sent
it, or an admin for the family's photos (`web.permissions`, ``photo.private``). A private
photo leaves its stack (so that the stack's other photos stay in sight) and is never
stacked; it keeps its albums, labels, faces and place, which come back when it is made
public again.

The flag and the owner's user name are in the photo's XMP sidecar too (`catalog.sidecars`),
so a rebuild from the sidecars keeps the photo private: :func:`private_from_sidecar`. The
accounts are in the catalogue; until the owner's account exists again (setup, or an admin
adding it), the photo is hidden from everyone and claimed by name when it does
(:func:`claim_for`). A sidecar only ever makes a photo private, never public again.
"""

from __future__ import annotations

from collections.abc import Iterable

import peewee as pw

from appliance.catalog.models import Face, File, Photo, User, database_proxy, utcnow
from appliance.errors import BadRequest, NotFound


class PrivatePhotoNotFound(NotFound):
    """No photo with that id that this person may see."""


def not_private() -> pw.Expression:
    """The condition every shared listing adds: the photo is not private."""
    return Photo.private == False  # noqa: E712


def private_of(owner_id: int) -> pw.Expression:
    """The photos of one member's Private."""
    return (Photo.private == True) & (Photo.owner_id == owner_id)  # noqa: E712


def _owners_of_private(select: pw.ModelSelect) -> list[int | None]:
    return [owner for (owner,) in select.tuples()]


def hidden_from(
    seer_id: int | None,
    unlocked: bool,
    photo_id: int | None = None,
    sha256: str | None = None,
    face_id: int | None = None,
) -> bool:
    """Is the photo named by id, file checksum or face private and not for this seer?

    A private photo is for its owner only, and only while their Private is unlocked."""
    owners: list[int | None] = []
    if photo_id is not None:
        owners += _owners_of_private(
            Photo.select(Photo.owner_id).where((Photo.id == photo_id) & (Photo.private == True))  # noqa: E712
        )
    if sha256 is not None:
        owners += _owners_of_private(
            Photo.select(Photo.owner_id)
            .join(File)
            .where((File.sha256 == sha256) & (Photo.private == True))  # noqa: E712
        )
    if face_id is not None:
        owners += _owners_of_private(
            Photo.select(Photo.owner_id)
            .join(Face)
            .where((Face.id == face_id) & (Photo.private == True))  # noqa: E712
        )
    return any(not unlocked or owner is None or owner != seer_id for owner in owners)


def hidden_among(photo_ids: Iterable[int], seer_id: int | None, unlocked: bool) -> list[int]:
    """Which of these photos are private and not for this seer."""
    ids = list(set(photo_ids))
    if not ids:
        return []
    select = Photo.select(Photo.id).where(Photo.id.in_(ids) & (Photo.private == True))  # noqa: E712
    if unlocked and seer_id is not None:
        select = select.where(Photo.owner_id != seer_id)
    return sorted(pid for (pid,) in select.tuples())


def set_private(photo_id: int, private: bool, by: int | None = None) -> bool:
    """Make one photo private or public again; True when it changed. A photo made private
    leaves its stack for the others to stay in sight. A family photo (no owner) an admin
    makes private becomes theirs (``by``): a private photo is always someone's."""
    with database_proxy.atomic():
        photo = Photo.get_or_none(Photo.id == photo_id)
        if photo is None:
            raise PrivatePhotoNotFound(f"no photo {photo_id}")
        if bool(photo.private) == private:
            return False
        if not private:
            Photo.update(private=False, updated_at=utcnow()).where(Photo.id == photo_id).execute()
        elif photo.owner_id is None and by is None:
            raise BadRequest("a private photo is someone's: say whose")
        else:
            _hide(photo, {Photo.owner_id: photo.owner_id if photo.owner_id is not None else by})
    return True


def _hide(photo: Photo, changes: dict) -> None:
    """Make ``photo`` private with ``changes`` (its owner): it leaves its stack, whose
    other photos stay in sight."""
    from appliance.catalog import stacks  # stacks keeps private photos out: it imports us

    changes |= {
        Photo.private: True,
        Photo.stack_id: None,
        Photo.stack_hidden: False,
        Photo.updated_at: utcnow(),
    }
    Photo.update(changes).where(Photo.id == photo.id).execute()
    if photo.stack_id is not None:
        stacks.refresh_stack(photo.stack_id)


def private_from_sidecar(photo_id: int, owner_name: str | None) -> None:
    """A sidecar says this photo is private (rebuild, or another Shoebox's files): it is
    made private, for the account of that user name; while there is none, for nobody (kept
    by name for :func:`claim_for`; a sidecar without a name keeps the owner it has)."""
    photo = Photo.get_by_id(photo_id)
    owner = User.get_or_none(User.username == owner_name) if owner_name else None
    owner_id = owner.id if owner else (None if owner_name else photo.owner_id)
    if photo.private and photo.owner_id == owner_id:
        return
    _hide(
        photo,
        {Photo.owner_id: owner_id, Photo.private_owner_name: None if owner else owner_name},
    )


def claim_for(user: User) -> int:
    """A new account takes the private photos a rebuild kept for its user name."""
    return (
        Photo.update(owner_id=user.id, private_owner_name=None)
        .where(
            (Photo.private == True)  # noqa: E712
            & Photo.owner_id.is_null()
            & (Photo.private_owner_name == user.username)
        )
        .execute()
    )


def set_private_many(photo_ids: Iterable[int], private: bool, by: int | None = None) -> int:
    """:func:`set_private` for a selection, all or none; returns how many changed."""
    with database_proxy.atomic():
        return sum(set_private(photo_id, private, by) for photo_id in sorted(set(photo_ids)))


def private_count(owner_id: int) -> int:
    """How many photos a member keeps in Private (shown on the locked page)."""
    return (
        Photo.select()
        .where(private_of(owner_id) & (Photo.status == "ok") & Photo.trashed_at.is_null())
        .count()
    )
