"""`shoebox search QUERY`: the web UI's query language on the command line."""

from __future__ import annotations

import argparse
import json
import sys

from appliance.catalog.db import open_catalog
from appliance.catalog.files import any_photo, original_names
from appliance.catalog.queries import CursorError, search_photos
from appliance.config import Settings
from appliance.library import Library
from appliance.search.query import QueryError, parse_query
from appliance.search.synonyms import labels_for


def _search(args: argparse.Namespace, settings: Settings) -> int:
    text = " ".join(args.query)
    try:
        query = parse_query(text)
    except QueryError as exc:
        print(f"shoebox search: {exc}", file=sys.stderr)
        return 2
    library = Library(settings.library_root, settings.catalog_url)
    if not library.catalog_exists():
        print(f"shoebox search: no catalog at {library.catalog_path}", file=sys.stderr)
        return 2
    open_catalog(library.catalog_url, check=False)
    try:
        page = search_photos(query, args.cursor, args.limit, labels_for=labels_for)
    except CursorError as exc:
        print(f"shoebox search: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"items": page.items, "next_cursor": page.next_cursor}, indent=1))
        return 0
    names = original_names([p["id"] for p in page.items])
    for item in page.items:
        print(f"{item['id']:>8}  {(item['time'] or '')[:16]:16}  {names.get(item['id'], '')}")
    if page.next_cursor:
        print(f"more: --cursor {page.next_cursor}", file=sys.stderr)
    return 0 if page.items or any_photo() else 1


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "search", parents=[common], help="search photos (words, label:, person:, year: ...)"
    )
    parser.add_argument(
        "query", nargs="+", help="e.g. kitty year:2021 (put -- before terms that start with -)"
    )
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--cursor", help="continue after a previous page")
    parser.add_argument("--json", action="store_true", help="print JSON like the web API")
    parser.set_defaults(func=_search)
