""" "On this day" is kept per connection until the catalogue changes: a change made on the
same connection or committed by another one (another thread here; another process works
the same way) is seen by the next call, and the kept answer equals a fresh query.

The catalogue is built here (no photos needed); with SHOEBOX_TEST_BACKEND=postgresql it is
a database on the test cluster.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from appliance.catalog import memories
from appliance.catalog.db import connect
from appliance.catalog.models import Photo, database_proxy

DAY = dt.date(2024, 7, 14)


def _photo(when: dt.datetime, quality: float) -> int:
    return Photo.create(sort_time=when, taken_at=when, quality=quality).id


def _years(found: list[dict]) -> dict[int, list[int]]:
    return {memory["year"]: memory["photos"] for memory in found}


def _in_another_connection(change) -> None:
    """Run ``change`` on a connection of its own (Peewee's are per thread) and commit."""

    def run() -> None:
        try:
            change()
        finally:
            database_proxy.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


def test_on_this_day_follows_every_change(tmp_path: Path) -> None:
    connect(tmp_path / "catalog.db")
    first = _photo(dt.datetime(2021, 7, 14, 10), 0.9)
    second = _photo(dt.datetime(2019, 7, 14, 18), 0.5)
    _photo(dt.datetime(2022, 7, 13, 23, 59), 0.9)  # the day before: never a memory
    found = memories.on_this_day(DAY)
    assert _years(found) == {2021: [first], 2019: [second]}
    assert found == memories._earlier_years(DAY, 0, memories.PER_YEAR)
    found[0]["photos"].append(-1)  # the caller's copy: the kept answer is not touched
    assert memories.on_this_day(DAY) == memories._earlier_years(DAY, 0, memories.PER_YEAR)

    # a change on this connection
    Photo.update(archived=True).where(Photo.id == first).execute()
    assert _years(memories.on_this_day(DAY)) == {2019: [second]}

    # changes committed by another connection
    later: list[int] = []
    _in_another_connection(lambda: later.append(_photo(dt.datetime(2020, 7, 14, 8), 0.7)))
    assert _years(memories.on_this_day(DAY)) == {2020: later, 2019: [second]}
    _in_another_connection(lambda: Photo.update(archived=False).where(Photo.id == first).execute())
    assert _years(memories.on_this_day(DAY)) == {2021: [first], 2020: later, 2019: [second]}
    assert memories.on_this_day(DAY) == memories._earlier_years(DAY, 0, memories.PER_YEAR)

    # another day, or another number per year, is its own answer
    assert [m["year"] for m in memories.on_this_day(dt.date(2024, 7, 13))] == [2022]
    assert memories.on_this_day(DAY, per_year=1) == memories._earlier_years(DAY, 0, 1)
