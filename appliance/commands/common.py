"""Small helpers shared by commands."""

from __future__ import annotations

import sys

from appliance.catalog.db import open_catalog
from appliance.config import Settings
from appliance.library import Library


def open_library(settings: Settings, create: bool = False) -> Library | None:
    """Open the catalog of the configured library; None (with a message) if there is none."""
    library = Library(settings.library_root, settings.catalog_url)
    if not create and not library.catalog_exists():
        print(
            f"shoebox: no library at {library.root} (run `shoebox index` or `import`)",
            file=sys.stderr,
        )
        return None
    open_catalog(library.ensure().catalog_url)
    return library
