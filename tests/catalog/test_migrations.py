"""Schema migrations: a catalog made by an older schema opens and keeps its data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from appliance.catalog import models as m
from appliance.catalog.db import connect, integrity_ok
from appliance.catalog.migrations import LATEST, SchemaTooNew, current_version

DATA = Path(__file__).parents[1] / "data"


def _columns(db_path: Path) -> dict[str, set[str]]:
    con = sqlite3.connect(db_path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: {r[1] for r in con.execute(f'PRAGMA table_info("{t}")')} for t in tables}
    finally:
        con.close()


def _make_v1(path: Path) -> None:
    con = sqlite3.connect(path)
    con.executescript((DATA / "catalog_v1.sql").read_text())
    con.close()


def test_v1_catalog_is_upgraded_and_keeps_its_rows(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    _make_v1(old)
    db = connect(old)
    assert current_version(db) == LATEST
    photo = m.Photo.get_by_id(1)
    assert (photo.camera_make, photo.taken_at_offset, photo.favorite) == ("Nikon", 120, False)
    assert m.File.get(m.File.sha256 == "bb22").error == "empty file"
    assert m.Location.select().count() == 2
    # the new tables work on the upgraded catalog
    label = m.Label.create(name="cat")
    m.PhotoLabel.create(photo=photo, label=label, confidence=0.9)
    assert photo.photo_labels.count() == 1
    assert integrity_ok(db)[0]
    db.close()


def test_upgraded_catalog_has_the_same_shape_as_a_new_one(tmp_path: Path) -> None:
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    _make_v1(old)
    connect(old).close()
    connect(new).close()
    assert _columns(old) == _columns(new)


def test_reopening_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    connect(path).close()
    db = connect(path)
    rows = db.execute_sql("SELECT COUNT(*) FROM schema_version").fetchone()[0]
    assert rows == 1
    db.close()


def test_a_catalog_from_a_newer_shoebox_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    connect(path).close()
    con = sqlite3.connect(path)
    con.execute("INSERT INTO schema_version (version) VALUES (?)", (LATEST + 1,))
    con.commit()
    con.close()
    with pytest.raises(SchemaTooNew):
        connect(path)


def test_pragmas_are_set(tmp_path: Path) -> None:
    db = connect(tmp_path / "c.db")
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000
    # FULL (2): a commit is on the disk before the import places the file it names
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2
    db.close()


def test_path_prefix_lookups_use_the_index(tmp_path: Path) -> None:
    """Pairing RAW+JPEG and marking vanished files look up paths by prefix for every file:
    that must be an index range, not a scan of every location in the library."""
    from appliance.catalog.lookup import path_prefix

    db = connect(tmp_path / "c.db")
    for path in ("/a/b/IMG_1.JPG", "/a/b/IMG_1.CR2", "/a/b/IMG_10.JPG", "/a/c/IMG_1.JPG"):
        m.Location.create(path=path)
    query = m.Location.select(m.Location.path).where(path_prefix("/a/b/IMG_1."))
    assert sorted(r.path for r in query) == ["/a/b/IMG_1.CR2", "/a/b/IMG_1.JPG"]
    sql, params = query.sql()
    plan = " ".join(str(row) for row in db.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "USING" in plan and "INDEX location_path" in plan, plan
    db.close()


def test_a_read_then_write_transaction_waits_instead_of_failing(tmp_path: Path) -> None:
    """The catalog's transactions begin IMMEDIATE: while one is open (even before it has
    written), another writer waits for it rather than invalidating its snapshot."""
    path = tmp_path / "c.db"
    db = connect(path)
    other = sqlite3.connect(path, timeout=0.2)
    try:
        with db.atomic():
            assert m.Photo.select().count() == 0  # read first, like clustering does
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("INSERT INTO label (name, categories) VALUES ('x', '')")
            m.Label.create(name="mine")  # our own write still goes through
        other.execute("INSERT INTO label (name, categories) VALUES ('theirs', '')")
        other.commit()
        assert {label.name for label in m.Label.select()} == {"mine", "theirs"}
    finally:
        other.close()
        db.close()
