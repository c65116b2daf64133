"""The indexes behind the search box, so a word or ``near:`` costs the same at a million photos.

Each function here returns id queries whose union is EXACTLY the photos a term's row
condition (in `catalog.queries`) accepts, found through an index, or None when no index
helps (a word shorter than three letters, a radius wider than the grid rows allowed).

- **Words in file names**: SQLite: an FTS5 table ``photo_search`` (trigram tokenizer: any
  substring of three or more characters, like ``LIKE '%word%'``) with one row per photo
  (its files' original names), kept in step by triggers on ``photo`` and ``file``.
  PostgreSQL: a ``pg_trgm`` GIN index on ``file.original_name``.
- **Cameras**: the few distinct makes and models, read by a loose index scan, matched
  first; then the photos of the matching ones through the same indexes.
- **Places**: B-tree indexes on ``lower()`` of city, region and country (both backends).
- **near:**: a grid key (1/30 degree cells, about 3.7 km: ``lat_row * 10801 + lon_col``), an
  expression index; a radius becomes one key range per latitude row of its bounding box.
"""

from __future__ import annotations

import math

import peewee as pw
from peewee import fn

from appliance.catalog.models import File, Photo, database_proxy

Candidates = list[pw.SelectQuery]  # photo-id queries; their union is a term's photos

FTS_TABLE = "photo_search"
MIN_TRIGRAM = 3  # a trigram index cannot look up shorter words
CELLS_PER_DEGREE = 30  # ~3.7 km: a small radius reads a few cells, a 50 km one ~30 rows
LON_CELLS = 360 * CELLS_PER_DEGREE + 1
LAT_CELLS = 180 * CELLS_PER_DEGREE + 1
MAX_GRID_ROWS = 64  # ~110 km; wider radii match so much that the timeline walk is cheaper
KM_PER_DEGREE = 111.32


def _postgres(db: pw.Database | None = None) -> bool:
    return isinstance(db or database_proxy.obj, pw.PostgresqlDatabase)


def grid_key_sql(db: pw.Database | None = None) -> str:
    """The grid key expression over ``latitude``/``longitude`` (the index's expression)."""
    n = CELLS_PER_DEGREE
    if _postgres(db):
        lat, lon = (
            f"floor((latitude + 90) * {n})::integer",
            f"floor((longitude + 180) * {n})::integer",
        )
    else:
        lat, lon = (
            f"CAST((latitude + 90) * {n} AS INTEGER)",
            f"CAST((longitude + 180) * {n} AS INTEGER)",
        )
    return f"({lat} * {LON_CELLS} + {lon})"


_NAMES_OF = "(SELECT group_concat(original_name, char(10)) FROM file WHERE photo_id = {id})"
_REFRESH = (
    f"DELETE FROM {FTS_TABLE} WHERE rowid = {{id}}; "
    f"INSERT INTO {FTS_TABLE} (rowid, names) "
    f"SELECT id, COALESCE({_NAMES_OF.format(id='photo.id')}, '') FROM photo WHERE id = {{id}};"
)
TRIGGERS = {
    "search_photo_added": ("AFTER INSERT ON photo", _REFRESH.format(id="NEW.id")),
    "search_photo_deleted": (
        "AFTER DELETE ON photo",
        f"DELETE FROM {FTS_TABLE} WHERE rowid = OLD.id;",
    ),
    "search_file_added": ("AFTER INSERT ON file", _REFRESH.format(id="NEW.photo_id")),
    "search_file_changed": (
        "AFTER UPDATE OF original_name, photo_id ON file",
        _REFRESH.format(id="OLD.photo_id") + " " + _REFRESH.format(id="NEW.photo_id"),
    ),
    "search_file_deleted": ("AFTER DELETE ON file", _REFRESH.format(id="OLD.photo_id")),
}


def _photo_index(db: pw.Database, name: str, columns: str) -> None:
    """An index on ``photo`` that also yields the photo's id: SQLite's carry the rowid; a
    PostgreSQL index gets ``INCLUDE (id)``, so counting and reading a term's candidates is
    an index-only scan there too, not one heap fetch per photo."""
    include = " INCLUDE (id)" if _postgres(db) else ""
    db.execute_sql(f"CREATE INDEX IF NOT EXISTS {name} ON photo ({columns}){include}")


def _pg_covering(db: pw.Database) -> dict[str, str]:
    """PostgreSQL: name -> columns of the photo indexes a search's candidates are read from."""
    return {
        **{
            f"photo_lower_{c}": f"lower({c})"
            for c in ("place_city", "place_region", "place_country")
        },
        "photo_country_code_id": "place_country_code",
        "photo_camera_make_id": "camera_make",
        "photo_camera_model_id": "camera_model",
        "photo_grid_key": f"{grid_key_sql(db)}, latitude, longitude",
    }


# a plain word reads the confidence too (only labels the classifier was fairly sure of)
LABEL_INDEX = "photo_label (label_id, removed, photo_id, confidence)"


def cover_label_confidence(db: pw.Database) -> None:
    """(Re)create the label index with the confidence in it (v16), so that it still
    answers a plain word's label candidates alone."""
    db.execute_sql("DROP INDEX IF EXISTS photo_label_label_photo")
    db.execute_sql(f"CREATE INDEX photo_label_label_photo ON {LABEL_INDEX}")


def cover_candidate_indexes(db: pw.Database) -> None:
    """PostgreSQL: (re)create the candidate indexes with ``INCLUDE (id)`` (v12); SQLite's
    already yield the rowid."""
    if not _postgres(db):
        return
    for name, columns in _pg_covering(db).items():
        row = db.execute_sql("SELECT indexdef FROM pg_indexes WHERE indexname = %s", (name,))
        found = row.fetchone()
        if found and "INCLUDE (id)" not in found[0]:
            db.execute_sql(f"DROP INDEX {name}")
        _photo_index(db, name, columns)


def create_search_indexes(db: pw.Database) -> None:
    """Create (idempotently) and fill the search indexes; the migration step calls this."""
    for column in ("place_city", "place_region", "place_country"):
        _photo_index(db, f"photo_lower_{column}", f"lower({column})")
    # covering: a label's or a person's photos come from the index alone
    db.execute_sql(f"CREATE INDEX IF NOT EXISTS photo_label_label_photo ON {LABEL_INDEX}")
    db.execute_sql("CREATE INDEX IF NOT EXISTS face_person_photo ON face (person_id, photo_id)")
    # covering: the exact distance test reads latitude/longitude from the index, not the rows
    _photo_index(db, "photo_grid_key", f"{grid_key_sql(db)}, latitude, longitude")
    if _postgres(db):
        cover_candidate_indexes(db)
        db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        db.execute_sql(
            "CREATE INDEX IF NOT EXISTS file_original_name_trgm ON file "
            "USING gin (original_name gin_trgm_ops)"
        )
        return
    existed = db.table_exists(FTS_TABLE)
    db.execute_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(names, tokenize = 'trigram')"
    )
    for name, (when, action) in TRIGGERS.items():
        db.execute_sql(f"CREATE TRIGGER IF NOT EXISTS {name} {when} BEGIN {action} END")
    if not existed:  # backfill: one pass over the files grouped by photo
        db.execute_sql(
            f"INSERT INTO {FTS_TABLE} (rowid, names) "
            "SELECT photo.id, COALESCE(names.n, '') FROM photo "
            "LEFT JOIN (SELECT photo_id, group_concat(original_name, char(10)) AS n "
            "FROM file GROUP BY photo_id) AS names ON names.photo_id = photo.id"
        )


def _fts_phrase(column: str, word: str) -> str:
    return "{" + column + '} : "' + word.replace('"', '""') + '"'


def text_ids(word: str) -> Candidates | None:
    """Exactly the photos with a file whose original name contains ``word`` as
    ``LIKE '%word%'`` does; None when the index cannot look the word up (shorter than
    three letters)."""
    if len(word) < MIN_TRIGRAM or "\n" in word:  # a newline joins the names in the index
        return None
    if _postgres():
        return [File.select(File.photo).where(File.original_name.contains(word))]
    # FTS5's hidden column named like the table takes the MATCH, whatever the alias; the
    # trigram index finds a superset (it folds the case of every letter, LIKE only ASCII),
    # LIKE on the stored names keeps exactly what the per-row condition would
    fts = pw.Table(FTS_TABLE, ("rowid", FTS_TABLE, "names"))
    match = pw.Expression(getattr(fts, FTS_TABLE), "MATCH", _fts_phrase("names", word))
    return [fts.select(fts.rowid).where(match & fts.names.contains(word))]


_DISTINCT = (  # a loose index scan: one index seek per distinct value, not one per row
    "WITH RECURSIVE v(x) AS (SELECT (SELECT MIN({c}) FROM photo) UNION ALL "
    "SELECT (SELECT MIN({c}) FROM photo WHERE {c} > x) FROM v WHERE x IS NOT NULL) "
    "SELECT x FROM v WHERE x {like} {param} ESCAPE '\\'"
)


def camera_ids(word: str) -> Candidates:
    """Exactly the photos whose camera make or model contains ``word`` (as LIKE does): the
    few distinct makes and models are read from their indexes and matched first."""
    pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    like = "ILIKE" if _postgres() else "LIKE"
    parts = []
    for column in (Photo.camera_make, Photo.camera_model):
        sql = _DISTINCT.format(c=column.column_name, like=like, param=database_proxy.obj.param)
        values = [row[0] for row in database_proxy.execute_sql(sql, (pattern,))]
        if values:
            parts.append(Photo.select(Photo.id).where(column.in_(values)))
    return parts


def place_ids(name: str, code: str | None) -> Candidates:
    """Exactly the photos whose city, region or country is ``name`` (lower case) or whose
    ISO country code is ``code``."""
    parts = [
        Photo.select(Photo.id).where(fn.LOWER(column) == name)
        for column in (Photo.place_city, Photo.place_region, Photo.place_country)
    ]
    if code:
        parts.append(Photo.select(Photo.id).where(Photo.place_country_code == code))
    return parts


def near_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """(lat_lo, lat_hi, lon_lo, lon_hi) of a radius, as the exact condition bounds it."""
    dlat = km / KM_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def near_ids(lat: float, lon: float, km: float, exact: pw.Expression) -> Candidates | None:
    """Exactly the photos that meet ``exact`` (the distance condition), read from the grid
    cells that cover the radius's bounding box: one range of the covering grid index per
    latitude row, the ranges joined as a ``VALUES`` list (one small query, whatever the
    radius). None when the box spans more than ``MAX_GRID_ROWS`` rows."""
    lat_lo, lat_hi, lon_lo, lon_hi = near_box(lat, lon, km)
    n = CELLS_PER_DEGREE

    def cell(value: float, low: float, cells: int) -> int:  # one cell of margin each side
        return min(max(math.floor((value - low) * n), 0), cells - 1)

    rows = range(cell(lat_lo, -90, LAT_CELLS) - 1, cell(lat_hi, -90, LAT_CELLS) + 2)
    if len(rows) > MAX_GRID_ROWS:
        return None
    first, last = max(cell(lon_lo, -180, LON_CELLS) - 1, 0), cell(lon_hi, -180, LON_CELLS) + 1
    key, ranges = grid_key_sql(), [(r * LON_CELLS + first, r * LON_CELLS + last) for r in rows]
    if _postgres():  # one index range scan per row (a BitmapOr); integers: nothing to quote
        in_range = " OR ".join(f"{key} BETWEEN {lo} AND {hi}" for lo, hi in ranges)
        return [Photo.select(Photo.id).where(pw.SQL(f"({in_range})") & exact)]
    # SQLite: the rows as a VALUES list, each a range search of the covering index
    grid_rows = pw.SQL("(VALUES " + ", ".join(f"({lo}, {hi})" for lo, hi in ranges) + ")")
    in_range = pw.SQL(f"{key} BETWEEN grid_rows.column1 AND grid_rows.column2")
    return [
        Photo.select(Photo.id)
        .from_(Photo, pw.NodeList((grid_rows, pw.SQL("AS grid_rows"))))
        .where(in_range & exact)
    ]


def union(parts: Candidates) -> pw.Node:
    """The UNION ALL of id queries (no rows when there are none). An id may come more than
    once: ``IN``, ``= ANY`` and ``INTERSECT`` do not mind, and no step removes duplicates
    (a city and its region of the same name would otherwise be sorted out row by row)."""
    if not parts:
        return Photo.select(Photo.id).where(pw.SQL("1 = 0"))
    query = parts[0]
    for part in parts[1:]:
        query = query + part
    return query
