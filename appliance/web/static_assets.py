"""The app's own files (``static/``) at versioned URLs, so a page load asks for none of them
again: ``url_for("static", ...)`` adds ``v=`` (the first 12 hex digits of the file's
SHA-256), and an answer at the current version may be kept a year without revalidation
(``immutable``). A new Shoebox changes a file's hash and so its URL; an old or missing
``v`` is answered as before (revalidated each time)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request

YEAR = 365 * 24 * 3600


@lru_cache(maxsize=512)
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def version(filename: str) -> str | None:
    """The version of ``static/<filename>``, or None when there is no such file."""
    folder = Path(current_app.static_folder or "").resolve()
    path = (folder / filename).resolve()
    if not path.is_relative_to(folder):
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def _add_version(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        found = version(values["filename"])
        if found:
            values["v"] = found


def _keep_versioned(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code != 200:
        return response
    filename = (request.view_args or {}).get("filename", "")
    if request.args.get("v") and request.args.get("v") == version(filename):
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    return response


def install(app: Flask) -> None:
    """Version the static URLs of ``app`` and let browsers keep the versioned answers."""
    app.url_defaults(_add_version)
    app.after_request(_keep_versioned)
