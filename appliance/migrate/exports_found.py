"""Which paths are exports (a Google Takeout, an iCloud download) and finding them on a
drive. Light on purpose (no pipeline): the web UI and the plug-in unit look for exports
without loading what imports them."""

from __future__ import annotations

from pathlib import Path

from appliance.migrate import icloud_plan, takeout_plan


def is_export(paths: list[Path]) -> bool:
    """Whether ``shoebox import`` was given an export (a Takeout, an iCloud download)."""
    return takeout_plan.is_takeout(paths) or icloud_plan.is_icloud(paths)


def find_exports(root: Path, depth: int = 2) -> list[Path]:
    """The export archives on a drive (``takeout-*.zip``/``.tgz``, ``iCloud Photos Part N of
    M.zip``), at most ``depth`` folders down; hidden folders are not looked in."""
    found: list[Path] = []
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return found
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_file() and is_export([entry]):
            found.append(entry)
        elif entry.is_dir() and not entry.is_symlink() and depth > 0:
            found += find_exports(entry, depth - 1)
    return found
