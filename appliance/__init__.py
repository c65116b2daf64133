"""Shoebox: a home-hosted photo library appliance."""

from appliance.catalog.file_guard import install_guard_unless_disabled

install_guard_unless_disabled()  # only SQLite opens catalog.db (catalog.file_guard)
