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
