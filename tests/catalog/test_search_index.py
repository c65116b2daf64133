"""The search indexes (FTS5 trigram over file names and cameras, place-name indexes, the
``near:`` grid key): the indexed path gives exactly the results of testing every photo row,
the triggers keep the full-text table in step with the catalogue, the migration backfills
it, and the planner really uses the indexes.

The catalogue is built here (no photos needed): a few hundred rows with names, cameras,
places, GPS, labels, people and albums, including non-ASCII and LIKE-special characters.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from urllib.parse import urlsplit

import pg_server
import pytest
from pg_server import PostgresServer

from appliance.catalog import photo_text, photos, queries, search_index
from appliance.catalog.db import connect
from appliance.catalog.migrations import LATEST, current_version, migrate
from appliance.catalog.models import (
    Album,
    AlbumPhoto,
    Face,
    File,
    Label,
    Person,
    Photo,
    PhotoLabel,
    database_proxy,
)
from appliance.search.query import parse_query

NAMES = ["IMG_{:04d}.JPG", "DSC{:05d}.NEF", "été_{}.heic", "100%_sure_{}.jpg", "Ab_{}.png"]
CAMERAS = [("Canon", "EOS 5D"), ("NIKON CORPORATION", "D750"), ("Apple", "iPhone 12"), (None, None)]
PLACES = [
    ("Lyon", "Auvergne-Rhône-Alpes", "France", "FR", 45.76, 4.84),
    ("Kyoto", "Kyoto", "Japan", "JP", 35.01, 135.77),
    ("London", "England", "United Kingdom", "GB", 51.51, -0.13),
    ("Québec", "Quebec", "Canada", "CA", 46.81, -71.21),
]
QUERIES = [
    "img_00",  # part of a file name, any case
    "0040",
    "été",
    "ÉTÉ",  # LIKE folds ASCII only: no match, on both paths
    "100%",  # LIKE's wildcard, escaped
    "_sure",
    "ab",  # too short for the trigram index: row tests only
    "canon",
    "eos 5d",
    "nikon corp",
    "lyon",
    "kyoto",
    "france",
    "uk",
    "québec",
    "cat",
    "kitty",
    "anna",
    "trip",
    "label:dog",
    "label:cat -label:dog",
    'person:"Anna Berg"',
    "person:#2",
    'album:"summer trip"',
    "place:fr",
    "place:jp",
    "camera:canon",
    "camera:d7",
    "near:45.76,4.84,5",
    "near:35.01,135.77,50",
    "near:51.5,-0.1,2000",  # too wide for the grid: row tests only
    "near:45.76,4.84,20 label:cat",
    "canon year:2020",
    "lyon -favorite:yes",
    "img person:#1",
    "person:#1 place:fr",  # two terms, each common here: an intersection
    "label:cat place:fr camera:canon",
    "-canon",
    "nothingmatchesthis",
    # the text in pictures (appliance.text): whole words, parts of four letters or more,
    # any case and accent, every word of text:, screenshots and documents
    "password",
    "pass",
    "sword",
    "rose",
    "cafe",
    "CAFÉ",
    "東京",
    "пароль",
    'text:"oil total"',
    "text:oil",
    "type:screenshot",
    "type:document",
    "garage -type:document",
    "wifi year:2020",
    "wifi OR boarding",
]
TEXTS = [
    ("WiFi password: Garden-Rose-42", "screenshot"),
    ("GARAGE MARTIN\nOil change 49.90\nTotal 61.20 EUR", "document"),
    ("Café Müller", None),
    ("東京駅 新幹線", None),
    ("Пароль: кошка", "screenshot"),
    ("boarding pass LH 1234 gate B22", None),
    ("garage sale saturday", None),
]


def _catalogue(path: Path) -> None:
    connect(path)
    _fill()


def _fill() -> None:
    rng = random.Random(11)
    labels = [Label.create(name=n) for n in ("cat", "dog", "tree")]
    people = [Person.create(name=n) for n in ("Anna Berg", "Ben", "Joanna", None)]
    albums = [Album.create(title=t) for t in ("Summer trip", "Winter")]
    start = dt.datetime(2019, 1, 1)
    for i in range(400):
        make, model = CAMERAS[i % len(CAMERAS)]
        city = PLACES[i % len(PLACES)] if i % 3 else None
        when = start + dt.timedelta(hours=rng.randrange(3 * 365 * 24))
        photo = Photo.create(
            sort_time=when,
            taken_at=when,
            camera_make=make,
            camera_model=model,
            favorite=i % 7 == 0,
            latitude=city[4] + rng.uniform(-0.2, 0.2) if city else None,
            longitude=city[5] + rng.uniform(-0.2, 0.2) if city else None,
            place_city=city[0] if city else None,
            place_region=city[1] if city else None,
            place_country=city[2] if city else None,
            place_country_code=city[3] if city else None,
        )
        File.create(photo=photo, sha256=f"{i:064x}", original_name=NAMES[i % 5].format(i))
        if i % 11 == 0:  # a second file (a RAW beside its JPEG)
            File.create(photo=photo, sha256=f"{i + 1000:064x}", original_name=f"RAW_{i}.CR2")
        for label in rng.sample(labels, rng.randrange(3)):
            PhotoLabel.create(photo=photo, label=label, removed=i % 13 == 0)
        if i % 4 == 0:
            person = people[(i // 4) % len(people)]
            Face.create(photo=photo, box_x=0, box_y=0, box_w=9, box_h=9, score=1, person=person)
        if i % 5 == 0:
            AlbumPhoto.create(album=albums[i % 2], photo=photo)
        if i % 6 == 1:
            text, kind = TEXTS[(i // 6) % len(TEXTS)]
            photo_text.store(photo.id, text, "test", kind=kind)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("search") / "catalog.db"
    _catalogue(path)
    return path


def _ids(text: str, use_indexes: bool) -> list[int]:
    """Every matching photo id, page after page."""
    query, ids, cursor = parse_query(text), [], None
    while True:
        page = queries.search_photos(
            query, cursor, limit=37, labels_for=_kitty, use_indexes=use_indexes
        )
        ids += [item["id"] for item in page.items]
        if not (cursor := page.next_cursor):
            return ids


def _kitty(word: str) -> set[str]:
    return {"cat"} if word.lower() == "kitty" else queries._plain_labels(word)


@pytest.mark.parametrize(
    "limit,intersect",
    [(queries.CANDIDATE_LIMIT, queries.INTERSECT_LIMIT), (10**9, 0), (1, 1), (1, 10**9), (1, 60)],
)
def test_indexed_search_equals_the_row_by_row_scan(
    catalogue, monkeypatch, limit, intersect
) -> None:
    """Whatever path the planner takes (candidates first, an intersection, or the timeline
    walk), every query gives the same photos in the same order as testing each row."""
    connect(catalogue)
    monkeypatch.setattr(queries, "CANDIDATE_LIMIT", limit)
    monkeypatch.setattr(queries, "INTERSECT_LIMIT", intersect)
    found = 0
    for text in QUERIES:
        scanned = _ids(text, use_indexes=False)
        assert _ids(text, use_indexes=True) == scanned, text
        found += bool(scanned)
    assert found == len(QUERIES) - 2  # all but ÉTÉ and nothingmatchesthis match photos


def test_candidates_are_exact(catalogue) -> None:
    """Each term's candidate set is exactly the photos its row condition accepts."""
    connect(catalogue)
    for text in QUERIES:
        for term in parse_query(text).terms:
            candidates = queries.term_candidates(term, _kitty)
            if not candidates or term.negated:
                continue
            rows = database_proxy.execute(search_index.union(candidates)).fetchall()
            from_index = {row[0] for row in rows}
            by_rows = {
                p.id for p in Photo.select(Photo.id).where(queries.term_condition(term, _kitty))
            }
            assert from_index == by_rows, term.text


# Label, person and album ids are read first and reach the search SQL as literals (so the
# planners see which label or person it is); these queries are checked against a truth
# computed here from the rows, not against another path of the same code.
ID_QUERIES = [
    "label:cat",
    "label:CAT",
    "kitty",  # a synonym of cat (among the word's other alternatives)
    "-label:dog",
    "label:nosuchlabel",
    'person:"Anna Berg"',
    "person:anna",  # a whole word of the name
    "person:#2",
    "person:nobody",
    'album:"summer trip"',
    "album:#2",
    "joanna",  # part of a person's name
    "label:cat person:Ben",
]


def _truth(text: str) -> set[int]:
    """The photos a query of `ID_QUERIES` matches, computed in Python from the rows."""
    labels = [(pl.photo_id, pl.label.name.lower()) for pl in PhotoLabel.select() if not pl.removed]
    faces = [(f.photo_id, f.person_id, f.person.name if f.person_id else None) for f in Face]
    albums = [(ap.photo_id, ap.album_id, ap.album.title.lower()) for ap in AlbumPhoto.select()]
    everyone = {p.id for p in Photo.select(Photo.id)}

    def label(name: str) -> set[int]:
        return {photo for photo, label_name in labels if label_name == name}

    def person(match) -> set[int]:
        return {photo for photo, pid, name in faces if match(pid, name or "")}

    def album(match) -> set[int]:
        return {photo for photo, aid, title in albums if match(aid, title)}

    return {
        "label:cat": label("cat"),
        "label:CAT": label("cat"),
        "kitty": label("cat"),  # no camera, file, place, person or album says kitty
        "-label:dog": everyone - label("dog"),
        "label:nosuchlabel": set(),
        'person:"Anna Berg"': person(lambda pid, name: name == "Anna Berg"),
        "person:anna": person(lambda pid, name: name == "Anna Berg"),
        "person:#2": person(lambda pid, name: pid == 2),
        "person:nobody": set(),
        'album:"summer trip"': album(lambda aid, title: title == "summer trip"),
        "album:#2": album(lambda aid, title: aid == 2),
        "joanna": person(lambda pid, name: "joanna" in name.lower()),
        "label:cat person:Ben": label("cat") & person(lambda pid, name: name == "Ben"),
    }[text]


def _search_sql(text: str) -> str:
    select = queries._apply_query(queries._base(), parse_query(text), _kitty)
    return select.sql()[0]


def _check_ids_are_literals() -> None:
    for text in ID_QUERIES:
        expected = _truth(text)
        assert expected or text in ("label:nosuchlabel", "person:nobody"), text
        for use_indexes in (True, False):
            assert set(_ids(text, use_indexes)) == expected, (text, use_indexes)
        if text.startswith(("label:", "person:", "album:")):
            sql = _search_sql(text)
            for table in ('"label"', '"person"', '"album"'):
                assert f"FROM {table}" not in sql, (text, sql)


def test_label_person_and_album_ids_reach_the_sql_as_literals(catalogue) -> None:
    connect(catalogue)
    _check_ids_are_literals()


def test_short_words_and_wide_radii_fall_back_to_row_tests(catalogue) -> None:
    connect(catalogue)
    assert queries.term_candidates(parse_query("ab").terms[0]) is None
    assert queries.term_candidates(parse_query("near:51.5,-0.1,2000").terms[0]) is None
    assert queries.term_candidates(parse_query("near:51.5,-0.1,20").terms[0])


def _fts_names(photo_id: int) -> set[str] | None:
    """The indexed file names of a photo; None when it has no row."""
    row = database_proxy.execute_sql(
        f"SELECT names FROM {search_index.FTS_TABLE} WHERE rowid = ?", (photo_id,)
    ).fetchone()
    return set(row[0].split("\n")) - {""} if row else None


def test_triggers_keep_the_text_index_in_step(tmp_path) -> None:
    connect(tmp_path / "catalog.db")
    photo = Photo.create(camera_make="Canon", camera_model="EOS R")
    first = File.create(photo=photo, sha256="a" * 64, original_name="holiday_001.jpg")
    assert _ids("holiday", True) == [photo.id]
    File.create(photo=photo, sha256="b" * 64, original_name="holiday_001.cr2")
    assert _fts_names(photo.id) == {"holiday_001.jpg", "holiday_001.cr2"}
    File.update(original_name="party.jpg").where(File.id == first.id).execute()
    Photo.update(camera_make="Leica", camera_model=None).where(Photo.id == photo.id).execute()
    assert _fts_names(photo.id) == {"holiday_001.cr2", "party.jpg"}
    assert _ids("party", True) == _ids("leica", True) == [photo.id]
    assert _ids("canon", True) == []
    other = Photo.create()
    File.update(photo=other).where(File.id == first.id).execute()  # moved to another photo
    assert _ids("party", True) == [other.id]
    assert _fts_names(photo.id) == {"holiday_001.cr2"}
    File.delete().where(File.photo == photo).execute()
    assert _fts_names(photo.id) == set()
    Photo.delete().where(Photo.id == other.id).execute()  # files go with it (cascade)
    assert _fts_names(other.id) is None
    assert _ids("party", True) == []


def test_migration_backfills_an_older_catalogue(tmp_path) -> None:
    path = tmp_path / "catalog.db"
    db = connect(path)
    photo = Photo.create(camera_make="Pentax")
    File.create(photo=photo, sha256="c" * 64, original_name="old_scan.tif")
    # make it a v8 catalogue: no search table, triggers or indexes
    for trigger in search_index.TRIGGERS:
        db.execute_sql(f"DROP TRIGGER {trigger}")
    db.execute_sql(f"DROP TABLE {search_index.FTS_TABLE}")
    for index in ("photo_grid_key", "photo_lower_place_city"):
        db.execute_sql(f"DROP INDEX {index}")
    db.execute_sql("DELETE FROM schema_version")
    db.execute_sql("INSERT INTO schema_version (version) VALUES (8)")
    migrate(db)
    assert current_version(db) == LATEST
    assert _fts_names(photo.id) == {"old_scan.tif"}
    assert _ids("old_scan", True) == _ids("pentax", True) == [photo.id]
    migrate(db)  # idempotent: nothing indexed twice
    count = f"SELECT COUNT(*) FROM {search_index.FTS_TABLE}"
    assert db.execute_sql(count).fetchone()[0] == 1


def _plan(select) -> str:
    sql, params = database_proxy.get_sql_context().sql(select).query()
    rows = database_proxy.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    return "\n".join(row[-1] for row in rows)


def _page_query(text: str):
    base = queries._base(False, False, False)
    select = queries._apply_query(base, parse_query(text), _kitty)
    return select.order_by(Photo.sort_time.desc(), Photo.id.desc()).limit(61)


def test_the_planner_uses_the_indexes(catalogue, monkeypatch) -> None:
    """The candidate queries read indexes, never a whole table; with few candidates the page
    query starts from their rowids; otherwise it walks the timeline index."""
    connect(catalogue)
    # a word's alternatives that find nothing (no label "canon") are left out, so several
    # words together read every index
    parts = [
        part
        for word in ("canon", "kitty", "anna", "trip")
        for part in queries.term_candidates(parse_query(word).terms[0], _kitty)
    ]
    plan = "\n".join(_plan(part) for part in parts)
    for index in (
        "COVERING INDEX photo_label_label_photo",  # labels
        "COVERING INDEX face_person_photo",  # people (from the few matching names)
        "album_photo_album_id_photo_id",  # albums
        "photo_camera_make",  # cameras
        "VIRTUAL TABLE INDEX",  # file names: FTS5 MATCH
        "photo_lower_place_city",  # places
    ):
        assert index in plan, (index, plan)
    (model,) = queries.term_candidates(parse_query("camera:eos").terms[0])
    assert "photo_camera_time" in _plan(model)
    for word in ("password", "pass", "東京"):  # a whole word or a part: one key range
        (part,) = queries.photo_text.text_candidates(word)
        assert "USING COVERING INDEX sqlite_autoindex_text_word_1 (key>? AND key<?)" in _plan(
            part
        ), word
    rows = queries.photo_text.text_condition("wifi")  # a row's own keys: one index seek
    assert "text_word_photo_id_key" in _plan(Photo.select(Photo.id).where(rows))
    for near in queries.term_candidates(parse_query("near:45.76,4.84,5").terms[0]):
        assert "USING COVERING INDEX photo_grid_key" in _plan(near)
    assert "USING INTEGER PRIMARY KEY" in _plan(_page_query("label:dog"))
    assert "photo_status_archived_sort_time_id" in _plan(_page_query(""))
    assert "photo_status_archived_sort_time_id" in _plan(_page_query("ab"))
    monkeypatch.setattr(queries, "CANDIDATE_LIMIT", 1)  # both terms common: intersect them
    plan = _plan(_page_query("person:#1 place:fr"))
    assert "USING INTEGER PRIMARY KEY" in plan and "INTERSECT" in plan
    # each thumbnail asks for its photo by checksum (not by the status index: 32 ms each
    # at 100,000 photos; BENCHMARKS.md)
    assert "USING INDEX photo_primary_sha256" in _plan(photos.thumbnail_rows("0" * 64))


# --- PostgreSQL: the same equality on a real server (pg_trgm instead of FTS5) ------------


@pytest.fixture
def postgres_db(postgres: PostgresServer) -> dict[str, str]:
    """An empty database on the session's throwaway PostgreSQL cluster (tests/pg_server.py
    finds whichever version is installed; initdb refuses root: it runs as a user)."""
    name = urlsplit(postgres.new_database("search")).path.lstrip("/")
    return {"database": name, "user": pg_server.USER, "host": str(postgres.socket_dir)}


def test_postgresql_search_equals_the_row_by_row_scan(postgres_db, monkeypatch) -> None:
    import peewee as pw

    from appliance.catalog.migrations import create_text_indexes
    from appliance.catalog.models import ALL_MODELS

    db = pw.PostgresqlDatabase(**postgres_db)
    database_proxy.initialize(db)
    db.create_tables(ALL_MODELS)
    search_index.create_search_indexes(db)
    create_text_indexes(db)
    _fill()
    found = 0
    for limit in (queries.CANDIDATE_LIMIT, 1):
        monkeypatch.setattr(queries, "CANDIDATE_LIMIT", limit)  # 1: intersections
        for text in QUERIES:
            scanned = _ids(text, use_indexes=False)
            assert _ids(text, use_indexes=True) == scanned, text
            found += bool(scanned)
    assert found == 2 * (len(QUERIES) - 1)  # ILIKE folds É too: only nothingmatchesthis
    _check_ids_are_literals()
    trgm = db.execute_sql(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'file_original_name_trgm'"
    )
    assert "gin_trgm_ops" in trgm.fetchone()[0]
    db.close()
