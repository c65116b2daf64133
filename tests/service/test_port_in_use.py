"""`make run` on a busy port says what to do instead of ending in a traceback (issue 27)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_busy_port_is_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "appliance.cli", "--library", str(tmp_path / "library")]
            + ["run", "--host", "127.0.0.1", "--port", str(port), "--inbox", str(tmp_path)],
            env={
                **os.environ,
                "SHOEBOX_LABELS": "0",
                "SHOEBOX_FACES": "0",
                "PYTHONPATH": str(REPO),
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert f"--port {port + 1}" in result.stderr
    assert "Traceback" not in result.stderr
