"""The published heartbeat stays fresh while one long file holds the main loop."""

from __future__ import annotations

import json
import time
from pathlib import Path

from appliance import daemon as daemon_module
from appliance.config import Settings
from appliance.daemon import STATUS_FILE, Daemon


def test_heartbeat_is_refreshed_during_a_long_batch(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(daemon_module, "STATUS_EVERY", 0.2)
    service = Daemon(Settings(library=tmp_path / "lib"), web=False)
    service.library.ensure()
    service.current = ["/inbox/huge.tif"]
    service._publish(force=True)
    first = json.loads((service.library.root / STATUS_FILE).read_text())["heartbeat"]
    beats = []
    with service._heartbeat():  # the main loop is "stuck" in one file for 1 s
        for _ in range(10):
            time.sleep(0.1)
            beats.append(json.loads((service.library.root / STATUS_FILE).read_text())["heartbeat"])
    assert max(beats) - first >= 0.6, beats  # refreshed every 0.2 s, not only after the file
    status = json.loads((service.library.root / STATUS_FILE).read_text())
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
        lambda **fields: fed.append(time.monotonic()) if fields.get("watchdog") else None,
    )
    start = time.monotonic()
    with service._heartbeat(limit=0.5):  # the main loop is "stuck" in one batch for 1.2 s
        time.sleep(1.2)
    assert fed and all(t - start < 0.75 for t in fed), [round(t - start, 2) for t in fed]
    assert len(fed) >= 3  # every 0.1 s while within the limit


def test_batch_limit_counts_every_file_and_longer_retries(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from appliance.catalog.queue import TIMED_OUT

    service = Daemon(Settings(library=tmp_path / "lib", per_file_timeout=100), web=False)
    fresh = SimpleNamespace(error=None, attempts=0)
    retried = SimpleNamespace(error=f"{TIMED_OUT} after 100 s", attempts=3)
    limit = service._batch_limit([fresh, retried])
    assert limit == 100 + 400 + daemon_module.BATCH_ALLOWANCE
