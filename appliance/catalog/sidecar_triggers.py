"""SQLite triggers that queue a photo's XMP sidecar for rewriting after any decision.

Every writer (web, CLI, clustering, other modules added later) changes the catalog through
SQL; the triggers see each decision where it lands, so no code path can forget to queue
the sidecar. Decisions: favourite, title, description, rating, capture date, place, manual
labels, the person of a face, a person's name. ``due_at`` is pushed back on every change,
which debounces a burst of edits into one write (see `catalog.sidecars`).
"""

from __future__ import annotations

import peewee as pw

DEBOUNCE_SECONDS = 2

_QUEUE = (
    "INSERT INTO sidecar_pending (photo_id, due_at) {select} "
    "ON CONFLICT(photo_id) DO UPDATE SET due_at = excluded.due_at"
)
_DUE = f"datetime('now', '+{DEBOUNCE_SECONDS} seconds')"

TRIGGERS = {
    "sidecar_photo_decision": (
        "AFTER UPDATE OF favorite, title, description, rating, taken_at, taken_at_offset, "
        "latitude, longitude ON photo",
        _QUEUE.format(select=f"SELECT NEW.id, {_DUE} WHERE true"),
    ),
    "sidecar_label_added": (
        "AFTER INSERT ON photo_label WHEN NEW.source = 'manual'",
        _QUEUE.format(select=f"SELECT NEW.photo_id, {_DUE} WHERE true"),
    ),
    "sidecar_label_changed": (
        "AFTER UPDATE ON photo_label WHEN NEW.source = 'manual' OR OLD.source = 'manual'",
        _QUEUE.format(select=f"SELECT NEW.photo_id, {_DUE} WHERE true"),
    ),
    "sidecar_label_deleted": (
        "AFTER DELETE ON photo_label WHEN OLD.source = 'manual'",
        _QUEUE.format(select=f"SELECT OLD.photo_id, {_DUE} WHERE true"),
    ),
    "sidecar_face_person": (
        "AFTER UPDATE OF person_id ON face WHEN NEW.person_id IS NOT OLD.person_id",
        _QUEUE.format(select=f"SELECT NEW.photo_id, {_DUE} WHERE true"),
    ),
    "sidecar_face_named": (
        "AFTER INSERT ON face WHEN NEW.person_id IS NOT NULL",
        _QUEUE.format(select=f"SELECT NEW.photo_id, {_DUE} WHERE true"),
    ),
    "sidecar_face_deleted": (
        "AFTER DELETE ON face WHEN OLD.person_id IS NOT NULL",
        _QUEUE.format(select=f"SELECT OLD.photo_id, {_DUE} WHERE true"),
    ),
    "sidecar_person_named": (
        "AFTER UPDATE OF name ON person WHEN NEW.name IS NOT OLD.name",
        _QUEUE.format(
            select=f"SELECT DISTINCT photo_id, {_DUE} FROM face WHERE person_id = NEW.id"
        ),
    ),
}


# favourite and rating are one decision in XMP (favourite = rating 5): keep them in step
RATING_TRIGGERS = {
    "favourite_sets_rating": (
        "AFTER UPDATE OF favorite ON photo WHEN NEW.favorite AND NOT OLD.favorite",
        "UPDATE photo SET rating = 5 WHERE id = NEW.id",
    ),
    "unfavourite_clears_rating": (
        "AFTER UPDATE OF favorite ON photo WHEN OLD.favorite AND NOT NEW.favorite "
        "AND NEW.rating >= 5",
        "UPDATE photo SET rating = 0 WHERE id = NEW.id",
    ),
}


def create_triggers(db: pw.Database) -> None:
    """Create the triggers (idempotent)."""
    for name, (when, action) in {**TRIGGERS, **RATING_TRIGGERS}.items():
        db.execute_sql(f"CREATE TRIGGER IF NOT EXISTS {name} {when} BEGIN {action}; END")
