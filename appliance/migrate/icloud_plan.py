"""Planning the import of an iCloud Photos download from Apple's privacy portal
(privacy.apple.com, "Request a copy of your data"): zips named ``iCloud Photos Part 1 of
N.zip`` (or their extracted folders) holding ``Photos/`` with the files and
``Photo Details.csv`` (split as ``Photo Details-1.csv``, ...), and ``Albums/<name>.csv``
listing each album's file names.

What a row says: ``favorite`` (yes/no), ``hidden`` (imported archived: out of the timeline,
as hidden is in Apple Photos), ``deleted`` (imported into Shoebox's trash), and
``originalCreationDate`` ("Tuesday June 4,2019 9:34 AM GMT", used when the file has no date
of its own). The layout and the columns are as tools that read these downloads describe
them; no real download could be checked here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from appliance.migrate.export_items import Item, Plan
from appliance.migrate.takeout_archive import is_archive, list_sources, read_small
from appliance.migrate.takeout_facts import AlbumInfo, Facts

MAX_CSV = 64 * 2**20
_PART = re.compile(r"^icloud photos part \d+ of \d+", re.I)
_DATE_FORMATS = ("%A %B %d,%Y %I:%M %p", "%A %B %d, %Y %I:%M %p", "%B %d,%Y %I:%M %p")
_DETAILS = re.compile(r"^photo details(-\d+)?\.csv$", re.I)


def is_icloud(paths: Iterable[Path]) -> bool:
    for path in paths:
        if is_archive(path) and _PART.match(path.name):
            return True
        if path.is_dir() and (
            _PART.match(path.name) or any(_PART.match(p.name) for p in path.iterdir() if p.is_dir())
        ):
            return True
    return False


def parse_date(text: str) -> dt.datetime | None:
    """``Tuesday June 4,2019 9:34 AM GMT`` -> 2019-06-04 09:34 (UTC), else None."""
    text = " ".join(text.split())
    zone = text.rsplit(" ", 1)[-1] if text else ""
    if zone.isalpha() and zone.upper() in ("GMT", "UTC"):
        text = text[: -len(zone)].strip()
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def _yes(value: str | None) -> bool:
    return (value or "").strip().lower() in ("yes", "true", "1")


def _rows(raw: bytes) -> list[dict[str, str]]:
    """The rows of a CSV by column name. A date written unquoted ("Tuesday June 4,2019
    ...") splits into one field too many: it is joined back."""
    text = raw.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    header = [name.strip() for name in next(reader, [])]
    date = header.index("originalCreationDate") if "originalCreationDate" in header else -1
    rows = []
    for fields in reader:
        if len(fields) == len(header) + 1 and date >= 0:
            fields[date : date + 2] = [f"{fields[date]},{fields[date + 1]}"]
        rows.append({name: value.strip() for name, value in zip(header, fields, strict=False)})
    return rows


def plan(sources: list[Path]) -> Plan:
    members, refused = list_sources(sources)
    details: dict[str, Facts] = {}
    albums: dict[str, AlbumInfo] = {}
    in_album: dict[str, list[str]] = {}
    csvs = [m for m in members if m.name.lower().endswith(".csv")]
    for member, raw in read_small(csvs, MAX_CSV, refused):
        path = PurePosixPath(member.name)
        if _DETAILS.match(path.name):
            for row in _rows(raw):
                if row.get("imgName"):
                    details[row["imgName"]] = Facts(
                        taken_at=parse_date(row.get("originalCreationDate", "")),
                        favorite=_yes(row.get("favorite")),
                        archived=_yes(row.get("hidden")),
                        trashed=_yes(row.get("deleted")),
                    )
        elif path.parent.name == "Albums":
            key = f"icloud:{path.stem}"
            albums[key] = AlbumInfo(path.stem)
            for row in _rows(raw):
                image = row.get("Images") or next(iter(row.values()), "")
                if image:
                    in_album.setdefault(image, []).append(key)
    result = Plan("iCloud Photos", [], albums, refused, archives=len(sources))
    used: set[str] = set()
    for member in members:
        path = PurePosixPath(member.name)
        if member.name.lower().endswith(".csv") or "Photos" not in path.parts[:-1]:
            continue
        facts = details.get(path.name)
        if facts is not None:
            used.add(path.name)
            result.facts_matched += 1
        item = Item(member, facts, matched=facts is not None)
        item.albums = in_album.get(path.name, [])
        item.archived = bool(facts and facts.archived)
        item.trashed = bool(facts and facts.trashed) or "Recently Deleted" in path.parts
        result.items.append(item)
    result.facts_unmatched = sorted(name for name in details if name not in used)
    return result
