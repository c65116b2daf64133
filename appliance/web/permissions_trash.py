"""Who may trash, restore and delete for good: the table agreed with the safety issue (9).

| action | admin | member |
| --- | --- | --- |
| move photos to the trash, restore them | yes | yes |
| empty the trash, delete photos for good | yes | no |
| trash or restore an album | yes | only albums they created |

When issue 9's single permissions module lands, :func:`allowed` becomes one import of it.
"""

from __future__ import annotations

from typing import Any

RULES = {
    "photo.trash": {"admin", "member"},
    "photo.restore": {"admin", "member"},
    "trash.empty": {"admin"},
}


def allowed(user: Any, action: str, album: Any = None) -> bool:
    """Whether ``user`` may do ``action`` (album actions: on ``album``)."""
    if user is None:
        return False
    if action.startswith("album."):
        return user.role == "admin" or (album is not None and album.created_by_id == user.id)
    return user.role in RULES.get(action, set())
