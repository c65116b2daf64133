"""Who may do what: the one permission table of the web UI and API.

Every view asks :func:`can` (or :func:`require`) instead of checking roles itself, so the
table in README.md ("Who may do what") and the code cannot drift apart. Share-link
visitors never reach these checks: their three read-only routes live in ``web/share.py``
and show only ``catalog.photos.shareable`` photos of their one album.

A member's own photos are those they uploaded or their phones backed up (``Photo.owner_id``);
photos from the box's own devices and folders, and imports, are the family's: admins keep
them (trash, archive, edit the date, place or text).

| action            | admin | member          | share-link visitor |
| ----------------- | ----- | --------------- | ------------------ |
| photo.view        | yes   | yes             | shared album only  |
| photo.favorite    | yes   | yes             | no                 |
| photo.archive     | yes   | own photos only | no                 |
| photo.edit        | yes   | own photos only | no                 |
| photo.label       | yes   | yes             | no                 |
| face.name         | yes   | yes             | no                 |
| person.edit       | yes   | yes             | no                 |
| person.hide       | yes   | no              | no                 |
| photo.trash       | yes   | own photos only | no                 |
| photo.private     | family's photos | own photos only | no       |
| photo.restore     | yes   | yes             | no                 |
| photo.upload      | yes   | yes             | no                 |
| phone.own         | own   | own             | no                 |
| photo.download    | yes   | yes             | if the link allows |
| trash.empty       | yes   | no              | no                 |
| photo.delete      | yes   | no              | no                 |
| album.view        | yes   | yes             | shared album only  |
| album.create      | yes   | yes             | no                 |
| album.edit        | yes   | own albums only | no                 |
| album.delete      | yes   | own albums only | no                 |
| album.share       | yes   | own albums only | no                 |
| users.manage      | yes   | no              | no                 |
| settings.manage   | yes   | no              | no                 |
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import abort

EVERY_USER = frozenset(
    {
        "photo.view",
        "photo.favorite",
        "photo.label",
        "face.name",
        "person.edit",
        "photo.restore",
        "photo.upload",
        "photo.download",
        "album.view",
        "album.create",
        "phone.own",  # add, see and revoke one's own backup phones (never another's)
    }
)
ALBUM_OWNER = frozenset({"album.edit", "album.delete", "album.share"})
PHOTO_OWNER = frozenset({"photo.trash", "photo.archive", "photo.edit"})
# only the photo's owner, an admin too for the family's photos (no owner): an admin
# administers accounts, not a member's private photos (`catalog.private`)
OWNER_ONLY = frozenset({"photo.private"})
ADMIN_ONLY = frozenset(
    {"person.hide", "trash.empty", "photo.delete", "users.manage", "settings.manage"}
)
ACTIONS = EVERY_USER | ALBUM_OWNER | PHOTO_OWNER | OWNER_ONLY | ADMIN_ONLY
ROLES = ("admin", "member")


def can(user: Any, action: str, obj: Any = None) -> bool:
    """May ``user`` (a catalog User, or None for a visitor) do ``action`` (on ``obj``)?

    ``obj`` is the album for the ``album.*`` owner actions (anything with
    ``created_by_id``), the photo (anything with ``owner_id``) for :data:`PHOTO_OWNER`;
    without one, "may this role do it to some photo" (a member: to their own). Unknown
    actions are refused.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or getattr(user, "role", None) not in ROLES:
        return False
    if action in OWNER_ONLY:
        if obj is None:
            return True  # everyone may do it to some photo: their own
        owner = getattr(obj, "owner_id", None)
        return owner == user.id or (owner is None and user.role == "admin")
    if user.role == "admin":
        return True
    if action in EVERY_USER:
        return True
    if action in ALBUM_OWNER:
        owner = getattr(obj, "created_by_id", None)
        return owner is not None and owner == user.id
    if action in PHOTO_OWNER:
        return obj is None or getattr(obj, "owner_id", None) == user.id
    return False


def require_photos(user: Any, action: str, owners: dict[int, int | None]) -> None:
    """Abort with 403 unless ``user`` may do ``action`` to every photo (``owners``: photo id
    -> its owner's user id, `catalog.photos.owners`)."""
    refused = [i for i, o in owners.items() if not can(user, action, SimpleNamespace(owner_id=o))]
    if refused:
        some = "this photo was" if len(owners) == 1 else f"{len(refused)} of these photos were"
        abort(403, f"{some} added by someone else: only they or an admin can do that")


def require(user: Any, action: str, obj: Any = None) -> None:
    """Abort with 403 and a readable reason unless :func:`can` allows it."""
    if not can(user, action, obj):
        if action in ALBUM_OWNER:
            abort(403, "only the album's owner or an admin can do that")
        abort(403, "this needs an admin")
