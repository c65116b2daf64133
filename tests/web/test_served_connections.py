"""A served app gives its catalogue connections back: the per-connection caches (memories,
the library summary, map markers) keep their entry in the serving thread's own storage, so
when a server's threads end, their connections close. They once held every connection for
good: each served test left about 26 descriptors of catalog.db open, and after some forty
browser tests waitress's select() met a descriptor above 1024 and stopped answering."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import requests
from e2e.browsers import serve
from web_fixtures import PASSWORD, Built

from appliance.catalog.users import create_user
from appliance.web import create_app


def _open_catalog_files(library: Path) -> int:
    catalog = str(library / "catalog.db")
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith(catalog)
        except OSError:
            continue
    return count


def test_served_apps_do_not_pile_up_catalog_connections(web: Built) -> None:
    """Four servers one after the other, each with a dozen threads reading the catalogue:
    the descriptors open on catalog.db after the last are those after the first."""
    app = create_app(web.settings, web.library)
    create_user("mum", PASSWORD, "admin")
    counts = []
    for _ in range(4):
        with serve(app) as url:
            session = requests.Session()
            page = session.get(url + "/login", timeout=30).text
            token = page.split('name="csrf-token" content="')[1].split('"')[0]
            form = {"username": "mum", "password": PASSWORD, "csrf_token": token}
            assert session.post(url + "/login", data=form, timeout=30).ok
            for path in ("/", "/status", "/map", "/api/v1/memories?date=2024-07-14") * 4:
                assert session.get(url + path, timeout=30).ok, path
        gc.collect()
        counts.append(_open_catalog_files(web.library.root))
    assert counts[-1] <= counts[0] + 2, counts  # it was +19 per server
