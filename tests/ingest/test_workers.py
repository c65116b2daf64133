"""The worker pool: stuck and crashing items fail with a reason; the pool goes on."""

from __future__ import annotations

import os
import time

import pytest

from appliance.ingest.workers import WorkerFailure, WorkerPool


def _setup(factor: int) -> int:
    return factor


def _work(factor: int, item: str) -> int:
    if item == "hang":
        time.sleep(60)
    if item == "crash":
        os._exit(11)  # what a segfaulting decoder looks like from outside
    if item == "raise":
        raise ValueError("bad input")
    return factor * int(item)


def _failing_setup() -> None:
    raise FileNotFoundError("model file missing")


def test_timeouts_crashes_and_errors_do_not_stop_the_pool() -> None:
    items = ["1", "hang", "2", "crash", "3", "raise", "4"]
    started = time.monotonic()
    with WorkerPool(2, _setup, (10,), _work, timeout=2.0) as pool:
        results = {item: (value, error) for item, value, error in pool.map_unordered(items)}
    assert time.monotonic() - started < 30
    assert {k: v for k, (v, e) in results.items() if e is None} == {
        "1": 10,
        "2": 20,
        "3": 30,
        "4": 40,
    }
    assert "timed out" in results["hang"][1]
    assert "crashed" in results["crash"][1]
    assert results["raise"][1] == "ValueError: bad input"


def test_a_worker_that_cannot_start_is_a_clear_error() -> None:
    with (
        pytest.raises(WorkerFailure, match="model file missing"),
        WorkerPool(1, _failing_setup, (), _work, timeout=5) as pool,
    ):
        list(pool.map_unordered(["1"]))


def _dies_at_start() -> None:
    os._exit(3)  # e.g. the interpreter cannot import the worker's module


def test_workers_dying_at_start_do_not_respawn_forever() -> None:
    started = time.monotonic()
    with (
        pytest.raises(WorkerFailure, match="die while starting"),
        WorkerPool(1, _dies_at_start, (), _work, timeout=5) as pool,
    ):
        list(pool.map_unordered(["1"]))
    assert time.monotonic() - started < 20
