"""The names each phone sent, as its backup folder shows them.

A sync app decides what to send by listing the server: a file it sent must stay listed
(same name, size, modification time and ETag) after it was imported into the library, or
the app sends it again. DELETE and MOVE change only this listing, never a catalogued photo.
Paths are relative to the phone's folder and start with "/" ("/DCIM/IMG_1.jpg").
"""

from __future__ import annotations

import time

import peewee as pw

from appliance.catalog.models import PhoneEntry, database_proxy


def parent_of(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


def _under(prefix: str) -> pw.Expression:
    """Entries strictly below the folder ``prefix`` ("/" for the phone's whole folder)."""
    start = prefix.rstrip("/") + "/"
    return pw.fn.SUBSTR(PhoneEntry.path, 1, len(start)) == start


def get(phone_id: int, path: str) -> PhoneEntry | None:
    return PhoneEntry.get_or_none((PhoneEntry.phone == phone_id) & (PhoneEntry.path == path))


def children(phone_id: int, folder: str) -> list[PhoneEntry]:
    """The entries directly in ``folder``."""
    depth = 1 if folder == "/" else folder.count("/") + 1
    rows = PhoneEntry.select().where((PhoneEntry.phone == phone_id) & _under(folder))
    return sorted((e for e in rows if e.path.count("/") == depth), key=lambda e: e.path)


def _ensure_folders(phone_id: int, path: str) -> None:
    """The folders leading to ``path`` exist in the listing."""
    parts = path.strip("/").split("/")[:-1]
    for i in range(1, len(parts) + 1):
        folder = "/" + "/".join(parts[:i])
        if get(phone_id, folder) is None:
            PhoneEntry.create(phone=phone_id, path=folder, is_folder=True, mtime=time.time())


def make_folder(phone_id: int, path: str) -> None:
    with database_proxy.atomic():
        _ensure_folders(phone_id, path + "/x")


def record_file(
    phone_id: int, path: str, size: int, sha256: str, job_id: int | None, mtime: float
) -> None:
    """The phone sent ``path`` (again: the entry is replaced)."""
    with database_proxy.atomic():
        _ensure_folders(phone_id, path)
        PhoneEntry.delete().where(
            (PhoneEntry.phone == phone_id) & (PhoneEntry.path == path)
        ).execute()
        PhoneEntry.create(
            phone=phone_id, path=path, size=size, sha256=sha256, job=job_id, mtime=mtime
        )


def set_mtime(phone_id: int, path: str, mtime: float) -> None:
    PhoneEntry.update(mtime=mtime).where(
        (PhoneEntry.phone == phone_id) & (PhoneEntry.path == path)
    ).execute()


def remove(phone_id: int, path: str) -> int:
    """Forget ``path`` and, for a folder, everything below it."""
    return (
        PhoneEntry.delete()
        .where((PhoneEntry.phone == phone_id) & ((PhoneEntry.path == path) | _under(path)))
        .execute()
    )


def move(phone_id: int, source: str, target: str, keep_source: bool = False) -> None:
    """Rename (or, with ``keep_source``, copy) ``source`` and everything below it."""
    with database_proxy.atomic():
        rows = list(
            PhoneEntry.select().where(
                (PhoneEntry.phone == phone_id) & ((PhoneEntry.path == source) | _under(source))
            )
        )
        remove(phone_id, target)
        _ensure_folders(phone_id, target)
        for row in rows:
            new_path = target + row.path[len(source) :]
            if not keep_source:  # a new row (a new id): the folders' ETags change (`summary`)
                PhoneEntry.delete().where(PhoneEntry.id == row.id).execute()
            PhoneEntry.create(
                phone=phone_id,
                path=new_path,
                is_folder=row.is_folder,
                size=row.size,
                mtime=row.mtime,
                sha256=row.sha256,
                job=row.job,
            )


def summary(phone_id: int, folder: str) -> tuple[int, int, int]:
    """(entries, bytes, newest entry id) below ``folder``: its size and a value that
    changes whenever anything below it does (its ETag)."""
    below = PhoneEntry.phone == phone_id
    if folder != "/":
        below &= _under(folder)
    row = (
        PhoneEntry.select(
            pw.fn.COUNT(PhoneEntry.id), pw.fn.SUM(PhoneEntry.size), pw.fn.MAX(PhoneEntry.id)
        )
        .where(below)
        .tuples()
        .first()
    )
    count, size, newest = row or (0, 0, 0)
    return int(count or 0), int(size or 0), int(newest or 0)
