"""tests/skip_policy.py: on CI an unexpected skip fails the run; an allowed one and an xfail
do not; off CI skips stay skips. Checked on a real pytest run in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import skip_policy

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent

SAMPLE = """
import pytest

@pytest.fixture
def widget():
    pytest.skip("no widget here")

def test_skips():
    pytest.skip("tool missing")

def test_fixture_skips(widget):
    pass

@pytest.mark.xfail(strict=True, reason="known")
def test_xfails():
    assert False

def test_passes():
    pass
"""

# the test's skip fails, the fixture's is a setup error, the module stays skipped but the
# session fails (listed after the summary); the xfail and the passing test are untouched
STRICT_OUTCOME = r"rc 1: 1 failed, 1 passed, 1 skipped, 1 xfailed, 1 error in "

MODULE_SKIP = 'import pytest\npytest.skip("whole module", allow_module_level=True)\n'


def _summary(tmp_path: Path, **env: str) -> str:
    """Run pytest with the policy on two sample files; return its final summary line."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # the sample folder is the rootdir
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    (tmp_path / "test_module_skip.py").write_text(MODULE_SKIP)
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", skip_policy.STRICT_ENV)}
    environ.update(env, PYTHONPATH=str(TESTS))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "skip_policy", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = done.stdout.strip().splitlines()
    return f"rc {done.returncode}: {lines[-1]}" + "".join(
        "\n" + line for line in lines if line.startswith("FAILED unexpected skip")
    )


def test_unexpected_skips_fail_on_ci(tmp_path: Path) -> None:
    summary = _summary(tmp_path, **{skip_policy.STRICT_ENV: "1"})
    assert re.match(STRICT_OUTCOME, summary), summary
    assert "test_module_skip.py: whole module" in summary  # a module skip fails the run too


def test_ci_true_is_strict_too(tmp_path: Path) -> None:
    summary = _summary(tmp_path, CI="true")
    assert re.match(STRICT_OUTCOME, summary), summary


def test_skips_stay_skips_off_ci(tmp_path: Path) -> None:
    summary = _summary(tmp_path)
    assert re.match(r"rc 0: 1 passed, 3 skipped, 1 xfailed in ", summary), summary


def test_an_allowed_skip_is_matched_by_test_reason_and_backend() -> None:
    (entry,) = [e for e in skip_policy.ALLOWED if "test_places_catalog" in e.nodeid]
    reason = "builds an old catalogue from a copy of the SQLite file"
    assert skip_policy.allowed(entry.nodeid, reason, "postgresql") is entry
    assert skip_policy.allowed(entry.nodeid, reason, "sqlite") is None
    assert skip_policy.allowed(entry.nodeid, "exiftool is not installed", "postgresql") is None
    assert skip_policy.allowed("tests/other.py::test_x", reason, "postgresql") is None


@pytest.mark.parametrize("entry", skip_policy.ALLOWED, ids=lambda e: e.nodeid)
def test_every_allowed_skip_names_a_real_test_and_reason(entry: skip_policy.Allowed) -> None:
    path, _, name = entry.nodeid.partition("::")
    source = (REPO / path).read_text()
    assert not name or f"def {name.split('[')[0]}(" in source  # no name: the whole module
    assert entry.reason in source and entry.why and entry.backend in ("any", "sqlite", "postgresql")
