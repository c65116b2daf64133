"""Shoebox: a home-hosted photo library appliance."""

from appliance.catalog.file_guard import install_guard_if_asked

install_guard_if_asked()  # the tests enforce "only SQLite opens catalog.db" in every process
