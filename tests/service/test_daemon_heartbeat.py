"""The published heartbeat stays fresh while one long file holds the main loop."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from appliance import daemon as daemon_module
from appliance.config import Settings
from appliance.daemon import STATUS_FILE, Daemon


def _status(service: Daemon) -> dict:
    return json.loads((service.library.root / STATUS_FILE).read_text())


def _poll(condition: Callable[[], bool], what: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.02)


def test_heartbeat_is_refreshed_during_a_long_batch(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(daemon_module, "STATUS_EVERY", 0.2)
    service = Daemon(Settings(library=tmp_path / "lib"), web=False)
    service.library.ensure()
    service.current = ["/inbox/huge.tif"]
    service._publish(force=True)
    first = _status(service)["heartbeat"]
    with service._heartbeat():  # the main loop is "stuck" in one file meanwhile
        # refreshed every 0.2 s by the heartbeat thread, not only after the file
        _poll(lambda: _status(service)["heartbeat"] - first >= 0.6, "3 heartbeats")
    status = _status(service)
    assert status["current"] == ["/inbox/huge.tif"] and status["state"] == "running"


def test_watchdog_is_fed_during_a_long_batch_until_its_limit(tmp_path: Path, monkeypatch) -> None:
    """A batch may outlast WatchdogSec (a retried file has a longer limit): the watchdog is
    fed while the batch is within its files' limits, and no longer after (a hung pipeline)."""
    monkeypatch.setattr(daemon_module, "STATUS_EVERY", 0.1)
    service = Daemon(Settings(library=tmp_path / "lib"), web=False)
    service.library.ensure()
    fed: list[float] = []
    monkeypatch.setattr(
        service.notifier,
        "notify",
        lambda **fields: fed.append(time.time()) if fields.get("watchdog") else None,
    )
    limit = 0.5
    with service._heartbeat(limit=limit):  # the main loop is "stuck" in one batch meanwhile
        past_limit = time.time() + limit  # not before the heartbeat's own deadline
        _poll(lambda: len(fed) >= 3, "3 feeds within the limit")  # every 0.1 s
        # a heartbeat published past the limit: the beats before it are over, it does not
        # feed the watchdog, and neither does the next one
        _poll(lambda: _status(service)["heartbeat"] > past_limit, "a beat past the limit")
        feeds, beat = len(fed), _status(service)["heartbeat"]
        _poll(lambda: _status(service)["heartbeat"] > beat, "the next beat")
        assert len(fed) == feeds, "the watchdog was fed past the batch's limit"


def test_batch_limit_counts_every_file_and_longer_retries(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from appliance.catalog.queue import TIMED_OUT

    service = Daemon(Settings(library=tmp_path / "lib", per_file_timeout=100), web=False)
    fresh = SimpleNamespace(error=None, attempts=0)
    retried = SimpleNamespace(error=f"{TIMED_OUT} after 100 s", attempts=3)
    limit = service._batch_limit([fresh, retried])
    assert limit == 100 + 400 + daemon_module.BATCH_ALLOWANCE
