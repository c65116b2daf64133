"""Triggers that queue a photo's XMP sidecar for rewriting after any decision.

Every writer (web, CLI, clustering, other modules added later) changes the catalog through
SQL; the triggers see each decision where it lands, so no code path can forget to queue
the sidecar. Decisions: favourite, title, description, rating, capture date, place, manual
labels, the person of a face, a person's name. ``due_at`` is pushed back on every change,
which debounces a burst of edits into one write (see `catalog.sidecars`).

One description per trigger, written out for SQLite (``CREATE TRIGGER ... BEGIN ... END``)
and for PostgreSQL (a plpgsql function per trigger and ``CREATE TRIGGER ... EXECUTE
FUNCTION``).
"""

from __future__ import annotations

from typing import NamedTuple

import peewee as pw

from appliance.catalog.dialect import is_postgres, utc_now_plus_sql

DEBOUNCE_SECONDS = 2

_QUEUE = (
    "INSERT INTO sidecar_pending (photo_id, due_at) {select} "
    "ON CONFLICT(photo_id) DO UPDATE SET due_at = excluded.due_at"
)


class Trigger(NamedTuple):
    event: str  # "UPDATE OF a, b", "INSERT", "DELETE"
    table: str
    when: str  # condition on NEW/OLD ("" = always); "IS NOT" is SQLite's "distinct from"
    action: str  # one statement; {due} is the debounced due time


def _queue(photo: str, source: str = "") -> str:
    select = f"SELECT DISTINCT {photo}, {{due}} {source}" if source else None
    return _QUEUE.format(select=select or f"SELECT {photo}, {{due}} WHERE true")


TRIGGERS = {
    "sidecar_photo_decision": Trigger(
        "UPDATE OF favorite, title, description, rating, taken_at, taken_at_offset, "
        "latitude, longitude",
        "photo",
        "",
        _queue("NEW.id"),
    ),
    "sidecar_photo_edit": Trigger("UPDATE OF edits", "photo", "", _queue("NEW.id")),
    "sidecar_photo_private": Trigger("UPDATE OF private, owner_id", "photo", "", _queue("NEW.id")),
    "sidecar_label_added": Trigger(
        "INSERT", "photo_label", "NEW.source = 'manual'", _queue("NEW.photo_id")
    ),
    "sidecar_label_changed": Trigger(
        "UPDATE",
        "photo_label",
        "NEW.source = 'manual' OR OLD.source = 'manual'",
        _queue("NEW.photo_id"),
    ),
    "sidecar_label_deleted": Trigger(
        "DELETE", "photo_label", "OLD.source = 'manual'", _queue("OLD.photo_id")
    ),
    "sidecar_face_person": Trigger(
        "UPDATE OF person_id",
        "face",
        "NEW.person_id IS NOT OLD.person_id",
        _queue("NEW.photo_id"),
    ),
    "sidecar_face_named": Trigger(
        "INSERT", "face", "NEW.person_id IS NOT NULL", _queue("NEW.photo_id")
    ),
    "sidecar_face_deleted": Trigger(
        "DELETE", "face", "OLD.person_id IS NOT NULL", _queue("OLD.photo_id")
    ),
    "sidecar_person_named": Trigger(
        "UPDATE OF name",
        "person",
        "NEW.name IS NOT OLD.name",
        _queue("photo_id", "FROM face WHERE person_id = NEW.id"),
    ),
}


# favourite and rating are one decision in XMP (favourite = rating 5): keep them in step
RATING_TRIGGERS = {
    "favourite_sets_rating": Trigger(
        "UPDATE OF favorite",
        "photo",
        "NEW.favorite AND NOT OLD.favorite",
        "UPDATE photo SET rating = 5 WHERE id = NEW.id",
    ),
    "unfavourite_clears_rating": Trigger(
        "UPDATE OF favorite",
        "photo",
        "OLD.favorite AND NOT NEW.favorite AND NEW.rating >= 5",
        "UPDATE photo SET rating = 0 WHERE id = NEW.id",
    ),
}


def _sqlite_sql(name: str, trigger: Trigger) -> list[str]:
    when = f" WHEN {trigger.when}" if trigger.when else ""
    action = trigger.action.format(due=utc_now_plus_sql(DEBOUNCE_SECONDS, pw.SqliteDatabase(None)))
    return [
        f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {trigger.event} ON {trigger.table}"
        f"{when} BEGIN {action}; END"
    ]


def _postgres_sql(name: str, trigger: Trigger, db: pw.Database) -> list[str]:
    when = trigger.when.replace(" IS NOT OLD.", " IS DISTINCT FROM OLD.")
    action = trigger.action.format(due=utc_now_plus_sql(DEBOUNCE_SECONDS, db))
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$body$ BEGIN {action}; RETURN NULL; END $body$",
        f"DROP TRIGGER IF EXISTS {name} ON {trigger.table}",
        f"CREATE TRIGGER {name} AFTER {trigger.event} ON {trigger.table} FOR EACH ROW"
        + (f" WHEN ({when})" if when else "")
        + f" EXECUTE FUNCTION {name}()",
    ]


def create_triggers(db: pw.Database) -> None:
    """Create the triggers (idempotent)."""
    for name, trigger in {**TRIGGERS, **RATING_TRIGGERS}.items():
        statements = (
            _postgres_sql(name, trigger, db) if is_postgres(db) else _sqlite_sql(name, trigger)
        )
        for sql in statements:
            db.execute_sql(sql)
