"""The connection layer on both backends: the same schema and triggers on PostgreSQL as on
SQLite, the job queue's claims (SKIP LOCKED, leases), integrity and backups per backend."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pg_server import PostgresServer

from appliance.catalog import queue
from appliance.catalog.db import Catalog, open_catalog
from appliance.catalog.migrations import LATEST, STEPS, current_version
from appliance.catalog.models import ALL_MODELS, Job, Person, Photo, SidecarPending, database_proxy
from appliance.catalog.people import name_person
from appliance.library import Library


@pytest.fixture()
def pg(postgres: PostgresServer) -> Catalog:
    catalog = Catalog.open(postgres.new_database("backend"))
    yield catalog
    catalog.close()


def _columns(catalog: Catalog) -> dict[str, set[str]]:
    return {
        m._meta.table_name: {c.name for c in catalog.db.get_columns(m._meta.table_name)}
        for m in ALL_MODELS
    }


def test_postgresql_gets_the_same_schema_as_sqlite(tmp_path: Path, pg: Catalog) -> None:
    pg_columns = _columns(pg)
    assert current_version(pg.db) == LATEST
    lite = Catalog.open(tmp_path / "catalog.db")
    try:
        assert lite.backend == "sqlite" and pg.backend == "postgresql"
        assert _columns(lite) == pg_columns
    finally:
        lite.close()
    Catalog.open(pg.url)  # opening again (migrations are idempotent) changes nothing
    assert current_version(database_proxy.obj) == LATEST


def test_a_postgresql_library_has_no_catalog_file(tmp_path: Path, pg: Catalog) -> None:
    library = Library(tmp_path / "lib", pg.url).ensure()
    catalog = open_catalog(library.catalog_url, library.backups)
    assert catalog.integrity() == (True, "ok")
    assert catalog.backup_daily(library.backups) is None  # the server's job
    assert not library.catalog_path.exists() and not any(library.backups.iterdir())


def test_integrity_says_when_a_table_is_missing(pg: Catalog) -> None:
    pg.db.execute_sql("DROP TABLE sidecar_seen")
    ok, message = pg.integrity()
    assert not ok and "sidecar_seen" in message


def test_decision_triggers_queue_sidecars_on_postgresql(pg: Catalog) -> None:
    photo = Photo.create(status="ok")
    Photo.update(favorite=True).where(Photo.id == photo.id).execute()
    assert Photo.get_by_id(photo.id).rating == 5  # favourite = rating 5
    assert SidecarPending.select().where(SidecarPending.photo == photo.id).count() == 1
    Photo.update(favorite=False).where(Photo.id == photo.id).execute()
    assert Photo.get_by_id(photo.id).rating == 0
    SidecarPending.delete().execute()
    other = Photo.create(status="ok")
    person = Person.create()
    from appliance.catalog.models import Face

    Face.create(photo=other, box_x=0, box_y=0, box_w=1, box_h=1, score=1.0, person=person)
    SidecarPending.delete().execute()
    name_person(person.id, "Ada")
    assert [p.photo_id for p in SidecarPending.select()] == [other.id]
    Photo.update(title="unchanged photo").where(Photo.id == other.id).execute()
    assert SidecarPending.select().count() == 1  # debounced: one row, due later


def test_claims_skip_rows_another_claimant_holds_and_never_wait_for_the_writer(
    pg: Catalog,
) -> None:
    for i in range(5):
        queue.enqueue(f"/in/{i}.jpg", "inbox", "copy")
    holding, release = threading.Event(), threading.Event()
    held: list[int] = []

    def other_claimant() -> None:  # a writer transaction holding two rows, as a claim does
        with database_proxy.atomic():
            rows = Job.select().order_by(Job.id).limit(2).for_update("FOR UPDATE SKIP LOCKED")
            held.extend(j.id for j in rows)
            holding.set()
            release.wait(30)
        database_proxy.close()

    thread = threading.Thread(target=other_claimant)
    thread.start()
    try:
        assert holding.wait(30)
        mine = queue.claim_due(10, claimant="here:1")  # would block without SKIP LOCKED
    finally:
        release.set()
        thread.join()
    assert len(mine) == 3 and not {j.id for j in mine} & set(held)
    assert {j.claimed_by for j in Job.select().where(Job.state == "running")} == {"here:1"}


def test_an_expired_lease_is_claimed_again_without_counting_an_attempt(pg: Catalog) -> None:
    queue.enqueue("/in/a.jpg", "inbox", "copy")
    (first,) = queue.claim_due(1, claimant="dead:1", lease=-1)  # already past its deadline
    assert queue.renew("someone-else:2", [first.id]) == 0  # only the claimant renews
    (again,) = queue.claim_due(1, claimant="alive:2")
    assert again.id == first.id and again.claimed_by == "alive:2"
    assert Job.get_by_id(first.id).attempts == 1
    assert queue.renew("alive:2", [first.id]) == 1
    assert queue.claim_due(1, claimant="third:3") == []  # a live lease is respected


def test_an_older_postgresql_catalogue_is_upgraded(pg: Catalog) -> None:
    """The job-lease step on PostgreSQL: a catalogue from before it is brought forward."""
    db = pg.db
    db.execute_sql("ALTER TABLE job DROP COLUMN claimed_by")
    db.execute_sql("ALTER TABLE job DROP COLUMN lease_until")
    db.execute_sql("DROP INDEX location_path_c")
    db.execute_sql("DELETE FROM schema_version")
    before = next(v for v, step in STEPS.items() if step.__name__.endswith("_job_leases")) - 1
    db.execute_sql(f"INSERT INTO schema_version (version) VALUES ({before})")
    upgraded = Catalog.open(pg.url)
    assert current_version(upgraded.db) == LATEST
    assert {"claimed_by", "lease_until"} <= {c.name for c in upgraded.db.get_columns("job")}
    assert "location_path_c" in {i.name for i in upgraded.db.get_indexes("location")}
    upgraded.close()
