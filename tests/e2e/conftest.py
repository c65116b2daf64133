"""Fixtures the browser tests share (a test module may define its own instead): the little
family library of web_fixtures served with mum and kid, and one Chromium per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browsers import chromium, family_served, require_chromium
from web_fixtures import Built


@pytest.fixture
def server(web: Built) -> Iterator[str]:
    with family_served(web) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium(require_chromium()) as browser:
        yield browser
