"""Issue 28: the service serves and imports while `shoebox` commands, uploads and API edits
run beside it and it is SIGKILLed at random moments; no acknowledged write is lost.
The short run; bench/bench_torture.py is the long one (tests/torture.py does the work)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from torture import Torture

SECONDS = float(os.environ.get("SHOEBOX_TORTURE_SECONDS", "45"))


def test_no_acknowledged_write_is_lost(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    catalog_url = ""
    if os.environ.get("SHOEBOX_TEST_BACKEND", "sqlite") == "postgresql":
        catalog_url = request.getfixturevalue("postgres").new_database()
    torture = Torture(tmp_path, SECONDS, kill_every=(4.0, 9.0), catalog_url=catalog_url)
    try:
        torture.run()
        assert torture.settle() == 0, "the clean stop after the run failed"
    finally:
        if torture.service.process:
            torture.service.process.kill()
        print(torture.numbers())
    wrong = torture.verify()
    log = (tmp_path / "service.log").read_text(errors="replace")
    assert not wrong, "\n".join(wrong) + "\n" + log[-3000:]
    numbers = torture.numbers()
    assert torture.kills >= 3, numbers
    assert numbers["uploads"] and numbers["inbox drops"] and numbers["edits"], numbers
    assert numbers["stick photos"], numbers
