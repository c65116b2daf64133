"""Shared fixtures: the real photo corpus and throwaway libraries."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pg_server
import pytest
from pg_server import PostgresServer
from suite_env import REPO, TEST_BACKEND

from appliance import library as library_layout
from appliance.catalog.file_guard import GUARD_ENV, install_guard

# Only SQLite opens catalog.db: the rule is enforced in this process and in every `shoebox`
# process the tests start (appliance/__init__.py), whatever the developer's environment says.
os.environ[GUARD_ENV] = "1"
install_guard()


# The web tests' real library (built with the import pipeline), shared as fixtures; and
# the rule that on CI (SHOEBOX_STRICT_SKIPS=1) only the skips tests/skip_policy.py allows pass.
pytest_plugins = ("web_fixtures", "skip_policy", "phone_box", "text_fixtures")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster for this session."""
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", autouse=True)
def catalog_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """With SHOEBOX_TEST_BACKEND=postgresql, the default catalogue of any library or file
    path (`appliance.library.default_catalog_url`) becomes a database of its own on the
    session's PostgreSQL cluster, so the same tests run against the second backend."""
    if TEST_BACKEND == "sqlite":
        yield TEST_BACKEND
        return
    if TEST_BACKEND != "postgresql":
        raise pytest.UsageError(f"SHOEBOX_TEST_BACKEND={TEST_BACKEND!r}: sqlite or postgresql")
    mapping = pg_server.CatalogMap(request.getfixturevalue("postgres"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(library_layout, "default_catalog_url", mapping.url_for)
        patch.setattr(pg_server, "active_map", mapping)
        yield TEST_BACKEND


def corpus_dir() -> Path:
    """The shared photo corpus: $SHOEBOX_CORPUS when set (and only there), else
    ../shared/corpus beside the repo (or beside its worktree folder)."""
    env = os.environ.get("SHOEBOX_CORPUS")
    if env:
        candidates = [Path(env)]
    else:
        candidates = [REPO.parent / "shared" / "corpus", REPO.parent.parent / "shared" / "corpus"]
    for path in candidates:
        if (path / "exiftool.json").is_file():
            return path
    raise FileNotFoundError(
        f"photo corpus not found (looked in {', '.join(map(str, candidates))}); "
        "set SHOEBOX_CORPUS to the folder holding exiftool.json"
    )


def corpus_required() -> bool:
    """CI sets SHOEBOX_REQUIRE_CORPUS=1: there a missing corpus fails instead of skipping."""
    return os.environ.get("SHOEBOX_REQUIRE_CORPUS", "") not in ("", "0")


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The real photo corpus. Missing: the test is skipped with the reason, or fails when
    SHOEBOX_REQUIRE_CORPUS=1 (CI), so a CI machine without it never passes by skipping."""
    try:
        return corpus_dir()
    except FileNotFoundError as exc:
        if corpus_required():
            pytest.fail(f"{exc} (SHOEBOX_REQUIRE_CORPUS=1)", pytrace=False)
        pytest.skip(f"needs the real photo corpus: {exc}")


@pytest.fixture(scope="session")
def exiftool_reference(corpus: Path) -> dict[str, dict]:
    """exiftool.json keyed by path relative to the corpus."""
    return {rec["SourceFile"]: rec for rec in json.loads((corpus / "exiftool.json").read_text())}


@pytest.fixture(scope="session")
def sources(corpus: Path) -> dict[str, dict]:
    """sources.json records keyed by path relative to the corpus."""
    data = json.loads((corpus / "sources.json").read_text())
    return {rec["path"]: rec for rec in data["files"]}
