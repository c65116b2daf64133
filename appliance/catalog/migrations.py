"""Versioned schema migrations.

A new catalog gets every table from the current models and is stamped with the latest
version. An older catalog is brought forward one step at a time, each step in its own
transaction. Steps must be idempotent (check before adding) because a fresh catalog already
has the newest shape of every table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import peewee as pw
from playhouse.migrate import SchemaMigrator

from appliance.catalog import models as m

log = logging.getLogger(__name__)

VERSION_TABLE = "schema_version"


def _add_columns(db: pw.Database, model: type[pw.Model], *names: str) -> None:
    """Add the named fields of ``model`` to its table where they are missing."""
    migrator = SchemaMigrator.from_database(db)
    table = model._meta.table_name
    existing = {c.name for c in db.get_columns(table)}
    for name in names:
        field = model._meta.fields[name]
        if field.column_name not in existing:
            migrator.add_column(table, field.column_name, field).run()


def _v2_labels_people_albums_users_jobs(db: pw.Database) -> None:
    """v2: favourites/archive flags and analysis versions on photos; labels, faces and
    people, users, albums and share links, daemon jobs, UI settings."""
    _add_columns(db, m.Photo, "favorite", "archived", "labels_version", "faces_version")
    db.create_tables(
        [
            m.Label,
            m.PhotoLabel,
            m.Person,
            m.Face,
            m.FaceRejection,
            m.User,
            m.Album,
            m.AlbumPhoto,
            m.ShareLink,
            m.Job,
            m.Setting,
        ],
        safe=True,
    )
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS photo_status_archived_sort_time_id "
        "ON photo (status, archived, sort_time, id)"
    )


def _v3_file_warnings(db: pw.Database) -> None:
    """v3: files keep the warnings of a survivable problem (bad EXIF offsets, a wrong
    extension, a truncated animation), so a damaged file is catalogued and still explained."""
    _add_columns(db, m.File, "warnings")


def _v4_sessions(db: pw.Database) -> None:
    """v4: server-side sessions, so signing out really ends a session."""
    db.create_tables([m.Session], safe=True)


def _v5_moments_and_trash(db: pw.Database) -> None:
    """v5: quality, stacks and perceptual hashes (moments); the trash (photos and albums);
    an index for "on this day" (month and day of the sort time)."""
    _add_columns(
        db,
        m.Photo,
        "quality",
        "quality_features",
        "stack_id",
        "stack_hidden",
        "unstacked",
        "trashed_at",
    )
    db.create_tables([m.Stack, m.PhotoHash, m.AlbumTrash], safe=True)
    create_moments_indexes(db)


def create_moments_indexes(db: pw.Database) -> None:
    """Indexes the models cannot declare: an expression index on the month-day."""
    from appliance.catalog.dialect import month_day_sql

    db.execute_sql("CREATE INDEX IF NOT EXISTS photo_stack_id ON photo (stack_id)")
    db.execute_sql("CREATE INDEX IF NOT EXISTS photo_trashed_at ON photo (trashed_at)")
    db.execute_sql(  # bursts: same camera, seconds apart
        "CREATE INDEX IF NOT EXISTS photo_camera_time ON photo (camera_model, sort_time)"
    )
    db.execute_sql(  # "on this day": covering, so a memory never reads the table
        f"CREATE INDEX IF NOT EXISTS photo_month_day ON photo ({month_day_sql(db)}, "
        "status, archived, stack_hidden, trashed_at, sort_time, quality, latitude, longitude)"
    )


def _v6_places(db: pw.Database) -> None:
    """v6: photos get a place (country, region, city). Existing photos with GPS are
    geocoded afterwards by the background job (`appliance.places.backfill`), not here: the
    step stays quick and needs no dataset."""
    _add_columns(
        db,
        m.Photo,
        "place_country_code",
        "place_country",
        "place_region",
        "place_city",
        "place_source",
        "places_version",
    )
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS photo_place_country_code ON photo (place_country_code)"
    )


def _v7_decisions_and_sidecars(db: pw.Database) -> None:
    """v7: title, description, rating and place source on photos; the XMP sidecar queue
    (filled by triggers on every decision) and the sidecar modification times seen."""
    _add_columns(db, m.Photo, "title", "description", "rating", "place_source")
    db.create_tables([m.SidecarPending, m.SidecarSeen], safe=True)
    from appliance.catalog.sidecar_triggers import create_triggers

    create_triggers(db)


def _v8_video(db: pw.Database) -> None:
    """v8: videos, Live Photos and Motion Photos: the movie's facts on its file (duration,
    codecs, frame rate, rotation, container, how it plays, Apple's ContentIdentifier) and
    the duration and kind of motion on the photo."""
    _add_columns(db, m.Photo, "duration", "motion")
    _add_columns(
        db,
        m.File,
        "duration",
        "video_codec",
        "audio_codec",
        "frame_rate",
        "rotation",
        "container",
        "playback",
        "content_id",
    )
    db.execute_sql("CREATE INDEX IF NOT EXISTS file_content_id ON file (content_id)")


def _v9_family_people_and_shares(db: pw.Database) -> None:
    """v9: faces the family dismissed (not a person worth naming); a person's cover chosen
    by hand; share links with an
    optional password (hashed) and a download toggle for visitors."""
    _add_columns(db, m.Face, "dismissed")
    _add_columns(db, m.Person, "cover_chosen")
    _add_columns(db, m.ShareLink, "password_hash", "allow_download")


def _v10_job_leases(db: pw.Database) -> None:
    """v10: a running job records its claimant and a lease deadline, so jobs of a worker
    that died on another machine are claimed again (`catalog.queue`)."""
    _add_columns(db, m.Job, "claimed_by", "lease_until")
    from appliance.catalog.dialect import create_backend_indexes

    create_backend_indexes(db)


def _v11_search_indexes(db: pw.Database) -> None:
    """v11: search at a million photos: a trigram full-text index over file names and
    cameras (FTS5 on SQLite, pg_trgm on PostgreSQL), indexes on the place names and a grid
    key for ``near:`` (see `catalog.search_index`). Existing photos are indexed here."""
    from appliance.catalog.search_index import create_search_indexes

    create_search_indexes(db)


def _v12_covering_candidate_indexes(db: pw.Database) -> None:
    """v12: on PostgreSQL the indexes a search reads its candidates from (places, country
    code, cameras, the ``near:`` grid key) include the photo id, so reading them needs no
    heap fetch per photo (`search_index.cover_candidate_indexes`); nothing on SQLite."""
    from appliance.catalog.search_index import cover_candidate_indexes

    cover_candidate_indexes(db)


def _v13_job_outcomes(db: pw.Database) -> None:
    """v13: a finished job records what became of its file (an upload brought back from
    the trash says "restored", not "duplicate")."""
    _add_columns(db, m.Job, "outcome")


def _v14_phones(db: pw.Database) -> None:
    """v14: phones that back up over WebDAV, each with its app password and the listing
    of what it sent (`appliance.phones`)."""
    db.create_tables([m.Phone, m.PhoneEntry], safe=True)


def _v15_photo_owners(db: pw.Database) -> None:
    """v15: a photo's owner, the member who uploaded it or whose phone sent it (a member
    may trash, archive and edit only their own; `web.permissions`); existing photos stay
    the family's."""
    _add_columns(db, m.Photo, "owner_id")
    _add_columns(db, m.Job, "owner_id")
    db.execute_sql("CREATE INDEX IF NOT EXISTS photo_owner_id ON photo (owner_id)")


def _v16_label_confidence_index(db: pw.Database) -> None:
    """v16: a plain word finds a label only where the classifier was fairly sure
    (`queries.SURE_FOR_WORDS`); the label index holds the confidence to answer alone."""
    from appliance.catalog.search_index import cover_label_confidence

    cover_label_confidence(db)


def _v17_batch_edits(db: pw.Database) -> None:
    """v17: batch edits keep what they changed, so that one Undo puts it back."""
    db.create_tables([m.BatchEdit], safe=True)


def _v18_private_photos_and_edits(db: pw.Database) -> None:
    """v18: a member's private photos, out of every listing but their own Private
    (`catalog.private`); a photo's non-destructive edit (`catalog.photo_edits`). ``private``
    is added in place, NOT NULL with its default (SQLite can: no table rebuild, which the
    search triggers on the photo table would not survive)."""
    from appliance.catalog.sidecar_triggers import create_triggers

    _add_columns(db, m.Photo, "edits")
    create_triggers(db)  # an edit queues the sidecar too (IF NOT EXISTS: the others stay)
    if "private" in {c.name for c in db.get_columns(m.Photo._meta.table_name)}:
        return
    postgres = isinstance(db, pw.PostgresqlDatabase)
    kind = "BOOLEAN" if postgres else "INTEGER"  # what the model creates (models.Photo)
    db.execute_sql(f"ALTER TABLE photo ADD COLUMN private {kind} NOT NULL DEFAULT FALSE")


def _v19_private_in_sidecars(db: pw.Database) -> None:
    """v19: the private flag and its owner go to the XMP sidecar too (a new trigger queues
    it), and a rebuild keeps an owner it cannot find yet by name (``private_owner_name``)."""
    from appliance.catalog.sidecar_triggers import create_triggers

    _add_columns(db, m.Photo, "private_owner_name")
    create_triggers(db)


def _v20_text_in_pictures(db: pw.Database) -> None:
    """v20: the text recognised in photos and its search keys (`appliance.text`); existing
    photos are read afterwards by the background reader, not here."""
    db.create_tables([m.PhotoText, m.TextWord], safe=True)
    create_text_indexes(db)


def create_text_indexes(db: pw.Database) -> None:
    """PostgreSQL: a part of a word is ``key LIKE 'part%'``, which a B-tree answers only in
    the C ordering (``text_pattern_ops``); SQLite's keys compare by code point already."""
    if isinstance(db, pw.PostgresqlDatabase):
        db.execute_sql(
            "CREATE INDEX IF NOT EXISTS text_word_key_pattern "
            "ON text_word (key text_pattern_ops, photo_id)"
        )


def _v21_classifier_labels(db: pw.Database) -> None:
    """v21: the classifier's own labels of a photo, kept apart from the merged ones. Photos
    classified before keep their merged labels as the classifier's until classified again."""
    db.create_tables([m.PhotoClassified], safe=True)


# version -> step that brings version-1 to version. Append new steps at the end.
STEPS: dict[int, Callable[[pw.Database], None]] = {
    2: _v2_labels_people_albums_users_jobs,
    3: _v3_file_warnings,
    4: _v4_sessions,
    5: _v5_moments_and_trash,
    6: _v6_places,
    7: _v7_decisions_and_sidecars,
    8: _v8_video,
    9: _v9_family_people_and_shares,
    10: _v10_job_leases,
    11: _v11_search_indexes,
    12: _v12_covering_candidate_indexes,
    13: _v13_job_outcomes,
    14: _v14_phones,
    15: _v15_photo_owners,
    16: _v16_label_confidence_index,
    17: _v17_batch_edits,
    18: _v18_private_photos_and_edits,
    19: _v19_private_in_sidecars,
    20: _v20_text_in_pictures,
    21: _v21_classifier_labels,
}
LATEST = max(STEPS)


class SchemaTooNew(RuntimeError):
    """The catalog was written by a newer Shoebox."""


def current_version(db: pw.Database) -> int | None:
    """The catalog's schema version, or None for an empty database."""
    if not db.table_exists(VERSION_TABLE):
        return None
    row = db.execute_sql(f"SELECT MAX(version) FROM {VERSION_TABLE}").fetchone()
    return int(row[0]) if row and row[0] is not None else None


def _stamp(db: pw.Database, version: int) -> None:
    db.execute_sql(f"INSERT INTO {VERSION_TABLE} (version) VALUES ({db.param})", (version,))


def migrate(db: pw.Database) -> int:
    """Create or upgrade the schema; return the version the catalog is at now."""
    with db.atomic():
        db.execute_sql(
            f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} ("
            "version INTEGER NOT NULL, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)"
        )
        version = current_version(db)
        if version is None and not db.table_exists(m.Photo._meta.table_name):
            db.create_tables(m.ALL_MODELS, safe=True)
            create_moments_indexes(db)
            _v10_job_leases(db)  # its backend's indexes
            _v7_decisions_and_sidecars(db)  # its triggers are not part of the models
            _v11_search_indexes(db)  # nor are the search indexes
            create_text_indexes(db)
            _stamp(db, LATEST)
            return LATEST
    version = version or 1  # tables without a version row: the first released schema
    if version > LATEST:
        raise SchemaTooNew(
            f"catalog schema v{version} is newer than this Shoebox (v{LATEST}); upgrade Shoebox"
        )
    if version < LATEST:
        _upgrade(db, version)
    return LATEST


def _upgrade(db: pw.Database, version: int) -> None:
    """Run the steps after ``version``. SQLite adds NOT NULL columns by rebuilding the table,
    and a rebuild with foreign keys on would cascade-delete the rows that point at it, so
    foreign keys are off during the steps (as SQLite's ALTER TABLE documentation says) and
    checked afterwards."""
    sqlite = isinstance(db, pw.SqliteDatabase)
    if sqlite:
        db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        for target in range(version + 1, LATEST + 1):
            log.info("migrating catalog schema v%d -> v%d", target - 1, target)
            with db.atomic():
                STEPS[target](db)
                _stamp(db, target)
                if sqlite and db.execute_sql("PRAGMA foreign_key_check").fetchall():
                    raise RuntimeError(f"schema step v{target} broke foreign keys")
    finally:
        if sqlite:
            db.execute_sql("PRAGMA foreign_keys = ON")
