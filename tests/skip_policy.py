"""On CI a skip is a failure unless it is expected: `.ci/run` sets SHOEBOX_STRICT_SKIPS=1
(CI=true does the same), and then a test, fixture or module that skips for a reason not on
ALLOWED fails with that reason. Elsewhere skips stay skips (a laptop without PostgreSQL
still runs the rest). Loaded as a plugin by tests/conftest.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

STRICT_ENV = "SHOEBOX_STRICT_SKIPS"


@dataclass(frozen=True)
class Allowed:
    """One skip CI may take: the test (a node id, or its prefix), a part of the skip's
    reason, the catalogue backend of the run it happens in, and why it is right."""

    nodeid: str
    reason: str
    backend: str
    why: str


# Every skip `.ci/run` may take. Keep each entry's `why`: a skip is allowed only where the
# test cannot mean anything (never for a missing tool: scripts/bootstrap.sh installs those).
ALLOWED: tuple[Allowed, ...] = (
    Allowed(
        "tests/catalog/test_places_catalog.py::test_old_library_is_geocoded_by_the_background_job",
        "builds an old catalogue from a copy of the SQLite file",
        "postgresql",
        "the old catalogue is made by copying and editing a SQLite file; `make test` runs it",
    ),
    Allowed(
        "tests/vision/test_runtime.py::",
        "an Edge TPU is attached here",
        "any",
        "the CPU fallback and the missing-device errors exist only where no Edge TPU is",
    ),
    Allowed(
        "tests/capture/test_capture.py::test_picamera2_absence_gives_the_clear_error",
        "picamera2 is installed here",
        "any",
        "the error for a missing picamera2 exists only where it is missing (not on a Pi)",
    ),
)


def strict() -> bool:
    """True on CI: SHOEBOX_STRICT_SKIPS=1 (set by .ci/run) or CI=true."""
    return os.environ.get(STRICT_ENV, "") not in ("", "0") or os.environ.get("CI") == "true"


def backend() -> str:
    return os.environ.get("SHOEBOX_TEST_BACKEND", "sqlite")


def skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    """The reason a skipped report gives (pytest stores (path, line, "Skipped: why"))."""
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return text.removeprefix("Skipped: ")


def allowed(nodeid: str, reason: str, run_backend: str) -> Allowed | None:
    """The ALLOWED entry that covers this skip, if any."""
    for entry in ALLOWED:
        if (
            nodeid.startswith(entry.nodeid)
            and entry.reason in reason
            and entry.backend in (run_backend, "any")
        ):
            return entry
    return None


def unexpected(report: pytest.TestReport | pytest.CollectReport) -> str | None:
    """The reason of a skip CI must not take (strict runs only), else None; an xfail is
    no skip."""
    if not (strict() and report.skipped) or hasattr(report, "wasxfail"):
        return None
    reason = skip_reason(report)
    return None if allowed(report.nodeid, reason, backend()) else reason


def _message(reason: str) -> str:
    return (
        f"unexpected skip ({STRICT_ENV}=1 or CI=true): {reason}\n"
        "Make the test run here (scripts/bootstrap.sh test installs what tests need), "
        "or add it to ALLOWED in tests/skip_policy.py with the reason it cannot run."
    )


SKIPPED_MODULES = pytest.StashKey[list[str]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A test (or its fixture) that skips unexpectedly fails, with the skip's reason."""
    report = yield
    reason = unexpected(report)
    if reason is not None:
        report.outcome = "failed"
        report.longrepr = _message(reason)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """A module that skips unexpectedly is noted (failing collection would stop the run)."""
    report = yield
    reason = unexpected(report)
    if reason is not None:
        collector.config.stash.setdefault(SKIPPED_MODULES, []).append(f"{report.nodeid}: {reason}")
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in terminalreporter.config.stash.get(SKIPPED_MODULES, []):
        terminalreporter.write_line(f"FAILED {_message(line)}", red=True)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Unexpected module skips fail the run."""
    if session.config.stash.get(SKIPPED_MODULES, []) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_report_header(config: pytest.Config) -> str:
    if strict():
        return f"skips: strict ({len(ALLOWED)} allowed, tests/skip_policy.py)"
    return "skips: allowed (set SHOEBOX_STRICT_SKIPS=1 to fail on unexpected ones)"
