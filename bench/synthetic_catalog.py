"""A synthetic catalogue of N photos for the web/search benchmark, generated inside SQLite.

Rows are made by ``INSERT ... SELECT`` from a recursive CTE, so a million photos take a
minute or two, not tens of minutes. Pseudo-random values come from an integer hash of the
photo id (deterministic: the same N gives the same catalogue). Photos come in "events" of
about 40 (same day, same place), like a family's library: 60 % of events have GPS around
one of a few real cities (the home town most often), 30 % of photos have a face of one of
300 people (60 named, a few family members on most), each photo has 1-3 labels with a
Zipf-like use (common labels on many photos, rare ones on few), 200 albums.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

EVENT_SIZE = 40
LABELS = ["cat", "dog", "car", "beach", "tree", "flower", "bird", "mountain", "food", "bicycle"]
LABELS += [f"thing{i}" for i in range(190)]
MAKES = ["Canon", "NIKON", "Apple", "SONY", "FUJIFILM", "samsung"]
FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hugo",
    "Ida",
    "Jonas",
    "Karla",
    "Leo",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Rosa",
    "Sami",
    "Tara",
    "Ugo",
    "Vera",
    "Walt",
    "Xenia",
    "Yann",
    "Zoe",
]
# (city, region, country, ISO code, lat, lon); the first is "home"
CITIES = [
    ("Lyon", "Auvergne-Rhône-Alpes", "France", "FR", 45.76, 4.84),
    ("Paris", "Île-de-France", "France", "FR", 48.86, 2.35),
    ("Marseille", "Provence-Alpes-Côte d'Azur", "France", "FR", 43.30, 5.37),
    ("Geneva", "Geneva", "Switzerland", "CH", 46.20, 6.14),
    ("Barcelona", "Catalonia", "Spain", "ES", 41.39, 2.17),
    ("Rome", "Lazio", "Italy", "IT", 41.90, 12.50),
    ("London", "England", "United Kingdom", "GB", 51.51, -0.13),
    ("Berlin", "Berlin", "Germany", "DE", 52.52, 13.40),
    ("New York", "New York", "United States", "US", 40.71, -74.01),
    ("Reykjavik", "Capital Region", "Iceland", "IS", 64.15, -21.94),
    ("Kyoto", "Kyoto", "Japan", "JP", 35.01, 135.77),
    ("Chamonix", "Auvergne-Rhône-Alpes", "France", "FR", 45.92, 6.87),
]
# 60 named people (a family of five among them) and 240 unnamed clusters; 200 albums
PEOPLE = [f"{FIRST_NAMES[i % 25]} {chr(65 + i // 25)}." for i in range(60)] + [None] * 240
ALBUMS = [f"{c[0]} trip {y}" for y in range(2005, 2025) for c in CITIES[:10]]


def _h(expr: str, salt: int) -> str:
    """SQL for a pseudo-random integer in [0, 2**31) from an integer expression: a
    multiply-xorshift hash (SQLite has no XOR: ``a ^ b = (a | b) - (a & b)``)."""

    def xorshift(x: str, bits: int) -> str:
        return f"((({x}) | (({x}) >> {bits})) - (({x}) & (({x}) >> {bits})))"

    x = f"((({expr}) * 2654435761 + {salt * 40503 + 12345}) % 4294967296)"
    x = f"({xorshift(x, 15)} * 2246822519 % 4294967296)"
    return f"({xorshift(x, 13)} / 2)"


def prepare(root: Path, photos: int) -> float:
    """Make ``root`` a migrated library holding ``photos`` synthetic photos unless it is one
    already (a cached catalogue is only brought up to the current schema); return the
    seconds spent generating (0 when cached)."""
    from appliance.catalog.db import connect
    from appliance.catalog.search_index import create_search_indexes
    from appliance.library import Library

    if (root / "catalog.db").exists():
        connect(Library(root).catalog_path).close()  # migrations only
        return 0.0
    t0 = time.perf_counter()
    part = root.with_name(root.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    library = Library(part).ensure()
    connect(library.catalog_path).close()
    generate(library.catalog_path, photos)
    db = connect(library.catalog_path)
    create_search_indexes(db)  # the generator dropped them for speed: backfill now
    db.close()
    root.parent.mkdir(parents=True, exist_ok=True)
    part.rename(root)
    return time.perf_counter() - t0


def generate(db_path: Path, photos: int) -> None:
    """Fill an empty, migrated catalogue at ``db_path`` with ``photos`` photos."""
    con = sqlite3.connect(db_path)
    con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-300000;")
    ev = f"(n / {EVENT_SIZE})"
    # the search index is filled in one pass afterwards, not row by row by its triggers
    from appliance.catalog.search_index import FTS_TABLE, TRIGGERS

    for trigger in TRIGGERS:
        con.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    con.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    con.execute("BEGIN")
    con.executemany("INSERT INTO label (name, categories) VALUES (?, '')", [(n,) for n in LABELS])
    con.executemany(
        "INSERT INTO person (name, face_count, hidden, cover_chosen, created_at, updated_at)"
        " VALUES (?, 0, 0, 0, '2020-01-01', '2020-01-01')",
        [(name,) for name in PEOPLE],
    )
    con.executemany(
        "INSERT INTO album (title, description, created_at, updated_at)"
        " VALUES (?, '', '2020-01-01', '2020-01-01')",
        [(title,) for title in ALBUMS],
    )
    con.execute(
        "CREATE TEMP TABLE city (i INTEGER PRIMARY KEY, city, region, country, cc, lat, lon)"
    )
    cities = [(i, *c) for i, c in enumerate(CITIES)]
    con.executemany("INSERT INTO city VALUES (?, ?, ?, ?, ?, ?, ?)", cities)
    con.execute("CREATE TEMP TABLE make (i INTEGER PRIMARY KEY, name)")
    con.executemany("INSERT INTO make VALUES (?, ?)", list(enumerate(MAKES)))
    # one row per photo: event day, seconds in the day, GPS city (or -1), camera
    con.execute(
        f"""
        CREATE TEMP TABLE g AS
        WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {photos})
        SELECT n,
          datetime('2005-01-01', '+' || ({_h(ev, 1)} % 7300) || ' days',
                   '+' || (28800 + {_h(ev, 2)} % 3600 + (n % {EVENT_SIZE}) * 300) || ' seconds')
            AS t,
          CASE WHEN {_h(ev, 3)} % 10 >= 6 THEN -1
               WHEN {_h(ev, 4)} % 2 = 0 THEN 0 ELSE {_h(ev, 5)} % {len(CITIES)} END AS c,
          {_h(f"{ev} / 10", 6)} % {len(MAKES)} AS mk
        FROM seq
        """
    )
    con.execute(
        f"""
        INSERT INTO photo (id, status, kind, mime, primary_sha256, taken_at, sort_time,
          camera_make, camera_model, latitude, longitude, place_country_code, place_country,
          place_region, place_city, place_source, places_version, width, height, favorite,
          archived, labels_version, faces_version, stack_hidden, unstacked, created_at,
          updated_at)
        SELECT g.n, 'ok', CASE WHEN {_h("g.n", 7)} % 20 = 0 THEN 'raw' ELSE 'image' END,
          CASE WHEN {_h("g.n", 8)} % 5 = 0 THEN 'image/heic' ELSE 'image/jpeg' END,
          printf('%064x', g.n), g.t, g.t, make.name, 'Model ' || ({_h("g.n / 4000", 9)} % 20),
          city.lat + ({_h("g.n", 10)} % 2001 - 1000) / 10000.0,
          city.lon + ({_h("g.n", 11)} % 2001 - 1000) / 10000.0,
          city.cc, city.country, city.region, city.city,
          CASE WHEN city.i IS NULL THEN NULL ELSE 'gps' END,
          CASE WHEN city.i IS NULL THEN 0 ELSE 1 END,
          4000, 3000, {_h("g.n", 12)} % 33 = 0, {_h("g.n", 13)} % 100 = 0, 1, 1, 0, 0, g.t, g.t
        FROM g JOIN make ON make.i = g.mk LEFT JOIN city ON city.i = g.c
        """
    )
    con.execute(
        """
        INSERT INTO file (photo_id, sha256, role, mime, kind, size, stored_path, original_name,
          warnings, created_at)
        SELECT id, primary_sha256, 'original', mime, kind, 3000000,
          strftime('%Y/%m/', sort_time) || printf('IMG_%07d.JPG', id),
          printf('IMG_%07d.JPG', id), '', created_at
        FROM photo
        """
    )
    # 1-3 labels per photo; label id = 1 + 200 * u^3 (Zipf-like)
    for salt in (14, 15, 16):
        u = f"({_h('id', salt)} % 10000 / 10000.0)"
        con.execute(
            f"""
            INSERT OR IGNORE INTO photo_label (photo_id, label_id, confidence, source, removed)
            SELECT id, 1 + CAST({len(LABELS)} * {u} * {u} * {u} AS INTEGER), 0.8, 'model', 0
            FROM photo WHERE {salt} = 14 OR {_h("id", salt + 10)} % 3 = 0
            """
        )
    # faces on 30 % of photos: family (persons 1-5) on 60 % of them, anyone else otherwise
    con.execute(
        f"""
        INSERT INTO face (photo_id, box_x, box_y, box_w, box_h, keypoints, score, quality,
          usable, dismissed, person_id, assignment, created_at)
        SELECT id, 10, 10, 50, 50, '[]', 0.9, 0.5, 1, 0,
          CASE WHEN {_h("id", 18)} % 10 < 6 THEN 1 + {_h("id", 19)} % 5
               ELSE 1 + {_h("id", 20)} % 300 END, 'auto', created_at
        FROM photo WHERE {_h("id", 17)} % 10 < 3
        """
    )
    con.execute(
        f"""
        INSERT OR IGNORE INTO album_photo (album_id, photo_id, added_at)
        SELECT 1 + {_h("id / 40", 21)} % 200, id, created_at FROM photo
        WHERE {_h("id / 40", 22)} % 20 = 0
        """
    )
    con.execute("COMMIT")
    con.close()
