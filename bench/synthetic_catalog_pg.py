"""The synthetic catalogue of `synthetic_catalog.py`, generated inside PostgreSQL.

Same distribution (events of 40 photos, 60 % of events with GPS around 12 real cities, the
home town most, 1-3 Zipf-like labels per photo, faces on 30 % with a family of five on most,
200 albums), made by ``INSERT ... SELECT`` from ``generate_series``. The pseudo-random values
come from PostgreSQL's own ``hashint8extended`` (deterministic for a given N, but not the
same photos as the SQLite generator picks). The text in pictures is the very same as on
SQLite (`synthetic_catalog.text_of`, by photo id), its rows and keys loaded by ``COPY``.
The schema comes from the real migrations
(opening the :class:`Catalog`); the non-unique indexes are dropped for the load and rebuilt
after it (the unique ones stay: they drop duplicate labels as on SQLite), then
``VACUUM ANALYZE``, as a restored or long-lived catalogue would be.
"""

from __future__ import annotations

import io
import time

from synthetic_catalog import (
    ALBUMS,
    CITIES,
    EVENT_SIZE,
    LABELS,
    MAKES,
    PEOPLE,
    TEXT_ENGINE,
    TEXT_READ_AT,
    text_batches,
)

LOADED_TABLES = (
    "photo",
    "file",
    "photo_label",
    "face",
    "album_photo",
    "label",
    "person",
    "photo_text",
    "text_word",
)


def _h(expr: str, salt: int) -> str:
    """SQL for a pseudo-random integer in [0, 2**31) from an integer expression."""
    return f"(hashint8extended(({expr})::bigint, {salt}) & 2147483647)"


def prepare_pg(url: str, photos: int) -> float:
    """Migrate the empty database at ``url`` and fill it with ``photos`` synthetic photos;
    return the seconds spent."""
    import psycopg2

    from appliance.catalog.db import Catalog

    t0 = time.perf_counter()
    db = Catalog.open(url).db  # the schema, by the real migrations
    db.close()
    con = psycopg2.connect(database=db.database, **db.connect_params)
    try:
        con.autocommit = True
        cur = con.cursor()
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = 'public' "
            "AND tablename = ANY(%s) AND indexdef NOT LIKE 'CREATE UNIQUE %%' AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (list(LOADED_TABLES),),
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        con.autocommit = False
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET session_replication_role = replica")  # no FK triggers for the load
        cur.execute("SET work_mem = '64MB'")
        generate(cur, photos)
        con.commit()
        con.autocommit = True
        cur.execute("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cur.execute(definition)
        for table in ("photo", "label", "person", "album"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cur.execute("VACUUM ANALYZE")
    finally:
        con.close()
    return time.perf_counter() - t0


def generate(cur, photos: int) -> None:  # noqa: ANN001 (a psycopg2 cursor)
    """Fill an empty, migrated catalogue with ``photos`` photos (one transaction)."""
    ev = f"(n / {EVENT_SIZE})"
    cur.executemany("INSERT INTO label (name, categories) VALUES (%s, '')", [(n,) for n in LABELS])
    cur.executemany(
        "INSERT INTO person (name, face_count, hidden, cover_chosen, created_at, updated_at)"
        " VALUES (%s, 0, false, false, '2020-01-01', '2020-01-01')",
        [(name,) for name in PEOPLE],
    )
    cur.executemany(
        "INSERT INTO album (title, description, created_at, updated_at)"
        " VALUES (%s, '', '2020-01-01', '2020-01-01')",
        [(title,) for title in ALBUMS],
    )
    cur.execute(
        "CREATE TEMP TABLE city (i integer PRIMARY KEY, city text, region text, country text,"
        " cc text, lat double precision, lon double precision) ON COMMIT DROP"
    )
    cur.executemany(
        "INSERT INTO city VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [(i, *c) for i, c in enumerate(CITIES)],
    )
    cur.execute("CREATE TEMP TABLE make (i integer PRIMARY KEY, name text) ON COMMIT DROP")
    cur.executemany("INSERT INTO make VALUES (%s, %s)", list(enumerate(MAKES)))
    # one row per photo: event day, seconds in the day, GPS city (or -1), camera
    cur.execute(
        f"""
        CREATE TEMP TABLE g ON COMMIT DROP AS
        SELECT n,
          timestamp '2005-01-01' + ({_h(ev, 1)} % 7300) * interval '1 day'
            + (28800 + {_h(ev, 2)} % 3600 + (n % {EVENT_SIZE}) * 300) * interval '1 second'
            AS t,
          CASE WHEN {_h(ev, 3)} % 10 >= 6 THEN -1
               WHEN {_h(ev, 4)} % 2 = 0 THEN 0 ELSE {_h(ev, 5)} % {len(CITIES)} END AS c,
          {_h(f"{ev} / 10", 6)} % {len(MAKES)} AS mk
        FROM generate_series(1, {photos}) AS n
        """
    )
    cur.execute(
        f"""
        INSERT INTO photo (id, status, kind, mime, primary_sha256, taken_at, sort_time,
          camera_make, camera_model, latitude, longitude, place_country_code, place_country,
          place_region, place_city, place_source, places_version, width, height, favorite,
          archived, labels_version, faces_version, stack_hidden, unstacked, created_at,
          updated_at)
        SELECT g.n, 'ok', CASE WHEN {_h("g.n", 7)} % 20 = 0 THEN 'raw' ELSE 'image' END,
          CASE WHEN {_h("g.n", 8)} % 5 = 0 THEN 'image/heic' ELSE 'image/jpeg' END,
          lpad(to_hex(g.n), 64, '0'), g.t, g.t, make.name,
          'Model ' || ({_h("g.n / 4000", 9)} % 20),
          city.lat + ({_h("g.n", 10)} % 2001 - 1000) / 10000.0,
          city.lon + ({_h("g.n", 11)} % 2001 - 1000) / 10000.0,
          city.cc, city.country, city.region, city.city,
          CASE WHEN city.i IS NULL THEN NULL ELSE 'gps' END,
          CASE WHEN city.i IS NULL THEN 0 ELSE 1 END,
          4000, 3000, {_h("g.n", 12)} % 33 = 0, {_h("g.n", 13)} % 100 = 0, 1, 1, false, false,
          g.t, g.t
        FROM g JOIN make ON make.i = g.mk LEFT JOIN city ON city.i = g.c
        ORDER BY g.n
        """
    )
    cur.execute(
        """
        INSERT INTO file (photo_id, sha256, role, mime, kind, size, stored_path, original_name,
          warnings, created_at)
        SELECT id, primary_sha256, 'original', mime, kind, 3000000,
          to_char(sort_time, 'YYYY/MM/') || 'IMG_' || lpad(id::text, 7, '0') || '.JPG',
          'IMG_' || lpad(id::text, 7, '0') || '.JPG', '', created_at
        FROM photo ORDER BY id
        """
    )
    # 1-3 labels per photo; label id = 1 + 200 * u^3 (Zipf-like)
    for salt in (14, 15, 16):
        u = f"({_h('id', salt)} % 10000 / 10000.0)"
        cur.execute(
            f"""
            INSERT INTO photo_label (photo_id, label_id, confidence, source, removed)
            SELECT id, 1 + floor({len(LABELS)} * {u} * {u} * {u})::integer, 0.8, 'model', false
            FROM photo WHERE {salt} = 14 OR {_h("id", salt + 10)} % 3 = 0
            ON CONFLICT DO NOTHING
            """
        )
    # faces on 30 % of photos: family (persons 1-5) on 60 % of them, anyone else otherwise
    cur.execute(
        f"""
        INSERT INTO face (photo_id, box_x, box_y, box_w, box_h, keypoints, score, quality,
          usable, dismissed, person_id, assignment, created_at)
        SELECT id, 10, 10, 50, 50, '[]', 0.9, 0.5, true, false,
          CASE WHEN {_h("id", 18)} % 10 < 6 THEN 1 + {_h("id", 19)} % 5
               ELSE 1 + {_h("id", 20)} % 300 END, 'auto', created_at
        FROM photo WHERE {_h("id", 17)} % 10 < 3
        """
    )
    cur.execute(
        f"""
        INSERT INTO album_photo (album_id, photo_id, added_at)
        SELECT 1 + {_h("id / 40", 21)} % 200, id, created_at FROM photo
        WHERE {_h("id / 40", 22)} % 20 = 0
        ON CONFLICT DO NOTHING
        """
    )
    add_text(cur, photos)


def _copy_field(value: object) -> str:
    """One field of ``COPY ... FROM STDIN`` (text format)."""
    if value is None:
        return "\\N"
    text = str(value)
    for char, escaped in (("\\", "\\\\"), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        text = text.replace(char, escaped)
    return text


def _copy(cur, table: str, rows: list[tuple]) -> None:  # noqa: ANN001 (a psycopg2 cursor)
    lines = "".join("\t".join(map(_copy_field, row)) + "\n" for row in rows)
    cur.copy_expert(f"COPY {table} FROM STDIN", io.StringIO(lines))


def add_text(cur, photos: int) -> None:  # noqa: ANN001 (a psycopg2 cursor)
    """Every photo's reading (``photo_text``, in id order as the reader goes; text only in
    the photos `synthetic_catalog.text_of` gives some) and the keys of the texts."""
    cur.execute(
        "CREATE TEMP TABLE said (photo_id integer PRIMARY KEY, text text, kind text) ON COMMIT DROP"
    )
    for texts, keys in text_batches(photos):
        _copy(cur, "said (photo_id, text, kind)", texts)
        _copy(cur, "text_word (key, photo_id)", keys)
    cur.execute(
        "INSERT INTO photo_text (photo_id, text, kind, engine, error, read_at) "
        "SELECT photo.id, COALESCE(said.text, ''), said.kind, %s, NULL, %s "
        "FROM photo LEFT JOIN said ON said.photo_id = photo.id ORDER BY photo.id",
        (TEXT_ENGINE, TEXT_READ_AT),
    )
