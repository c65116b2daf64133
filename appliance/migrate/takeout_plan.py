"""Planning the import of a Google Photos Takeout: every member of every archive given
(or the extracted folder) listed, the JSON files read (small), each photo and video matched
with its JSON (`takeout_match`), its folder classified (a year folder, an album, Archive,
Trash, Locked Folder), copies of the same bytes in several folders (a year folder and its
albums: same name, size and CRC-32) grouped into one item. No photo is read here.

Folder kinds: year folders and albums are imported (album names and descriptions from
``metadata.json``); Archive's photos are imported archived; Trash's into Shoebox's trash
(restorable until it is emptied); Locked Folder's are not imported (Shoebox has no private
area yet) and are listed in the report.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from appliance.migrate.export_items import Item, Plan
from appliance.migrate.takeout_archive import Member, each_source, is_archive, read_small
from appliance.migrate.takeout_facts import (
    MAX_JSON,
    AlbumInfo,
    Facts,
    FactsError,
    parse_album,
    parse_facts,
)
from appliance.migrate.takeout_match import Matcher, unedited

PHOTOS_ROOTS = ("Google Photos", "Google Fotos", "Google Foto")
_YEAR = re.compile(r"^\D{0,30}\b(19|20)\d\d$")  # "Photos from 2019", "Fotos von 2019", ...
ARCHIVE = {"archive", "archiv", "archivo", "archives", "archivio", "archief", "arquivo"}
TRASH = {"trash", "bin", "papierkorb", "corbeille", "papelera", "cestino", "prullenbak"}
LOCKED = {"locked folder", "gesperrter ordner", "dossier verrouillé", "carpeta bloqueada"}


def is_takeout(paths: Iterable[Path]) -> bool:
    """Whether ``shoebox import`` was given a Takeout (its archives, or its folder)."""
    for path in paths:
        lowered = path.name.lower()
        if is_archive(path) and lowered.startswith("takeout"):
            return True
        if path.is_dir() and (
            path.name in PHOTOS_ROOTS
            or any((path / root).is_dir() for root in PHOTOS_ROOTS)
            or any((path / "Takeout" / root).is_dir() for root in PHOTOS_ROOTS)
        ):
            return True
    return False


def _album_path(name: str) -> str | None:
    """The folder under "Google Photos" a member is in (None: not in Google Photos)."""
    parts = [part for part in name.split("/") if part]
    for index, part in enumerate(parts):
        if part in PHOTOS_ROOTS and len(parts) > index + 2:
            return "/".join(parts[: index + 2])
    return None


def folder_kind(folder: str, albums: dict[str, AlbumInfo]) -> str:
    name = PurePosixPath(folder).name
    lowered = name.lower()
    if lowered in LOCKED:
        return "locked"
    if lowered in TRASH:
        return "trash"
    if lowered in ARCHIVE:
        return "archive"
    if folder not in albums and _YEAR.match(name):
        return "year"
    return "album"


def _is_media(name: str) -> bool:
    lowered = name.lower()
    return not lowered.endswith((".json", ".html", ".htm", ".txt", ".csv")) and not (
        lowered.rpartition("/")[2].startswith(".")
    )


_PART = re.compile(r"^(?P<export>takeout-.+)-(?P<n>\d{3})\.(zip|tgz|tar\.gz|tar)$", re.I)


def missing_parts(sources: list[Path]) -> list[str]:
    """Parts of a multi-part export that were not given (takeout-STAMP-001.zip, -002, ...:
    a gap in the numbers; a missing last part cannot be told)."""
    parts: dict[str, set[int]] = {}
    for source in sources:
        found = _PART.match(source.name)
        if found:
            parts.setdefault(found["export"], set()).add(int(found["n"]))
    return [
        f"{export}-{n:03d}"
        for export, numbers in sorted(parts.items())
        for n in range(1, max(numbers) + 1)
        if n not in numbers
    ]


@dataclass(slots=True)
class _Waiting:
    """A folder's photos and videos while they wait to be matched, kept compactly: their
    file names and numbers, not a :class:`Member` and a full path each (two or three per
    photo of a big export, some 200 bytes each; here under 100)."""

    names: list[str] = field(default_factory=list)  # file names inside the folder
    sources: array = field(default_factory=lambda: array("H"))  # index into the sources
    sizes: array = field(default_factory=lambda: array("q"))
    crcs: array = field(default_factory=lambda: array("q"))  # -1: none (a tar member)

    def add(self, name: str, source: int, member: Member) -> None:
        self.names.append(name)
        self.sources.append(source)
        self.sizes.append(member.size)
        self.crcs.append(-1 if member.crc is None else member.crc)

    def members(self, folder: str, sources: list[Path]) -> list[Member]:
        """The folder's members again, in the order they were listed."""
        return [
            Member(sources[source], f"{folder}/{name}", size, None if crc < 0 else crc)
            for name, source, size, crc in zip(
                self.names, self.sources, self.sizes, self.crcs, strict=True
            )
        ]


@dataclass
class _Listing:
    """Every source listed and its JSON files read, one source at a time."""

    media: dict[str, _Waiting] = field(default_factory=dict)  # by folder, in listing order
    json_names: dict[str, list[str]] = field(default_factory=dict)  # by folder
    albums: dict[str, AlbumInfo] = field(default_factory=dict)
    facts: dict[str, Facts | None] = field(default_factory=dict)  # by JSON path


def _list(sources: list[Path], refused: list[tuple[str, str]]) -> _Listing:
    """List each source, keep its photos and videos compactly by folder and read its JSON
    files there and then: only one source's members are ever held as objects."""
    listing = _Listing()
    for index, found in each_source(sources, refused):
        jsons = []
        for member in found:
            if member.name.lower().endswith(".json"):
                jsons.append(member)
            elif _is_media(member.name) and _album_path(member.name) is not None:
                folder, _, name = member.name.rpartition("/")
                waiting = listing.media.get(folder)
                if waiting is None:
                    waiting = listing.media[folder] = _Waiting()
                waiting.add(name, index, member)
        del found
        albums, facts = _read_jsons(jsons, refused)
        listing.albums.update(albums)
        listing.facts.update(facts)
        for member in jsons:
            listing.json_names.setdefault(_folder(member.name), []).append(member.name)
    return listing


def plan(sources: list[Path]) -> Plan:
    """Read the layout of every source and decide what to import (no photo is read).

    Matching goes folder by folder (a JSON describes a file of its own folder only): a
    folder's JSON names and its members that repeat another folder's bytes (an album's
    copies of a year folder's photos) are let go when the folder is done."""
    refused: list[tuple[str, str]] = [
        (name, "this part of the export was not given: its JSON files and photos are missing")
        for name in missing_parts(sources)
    ]
    listing = _list(sources, refused)
    facts_by_name = listing.facts
    result = Plan("Google Takeout", [], listing.albums, refused, archives=len(sources))
    by_content: dict[int | tuple[str, int], Item] = {}  # the same bytes: one item
    unmatched: list[str] = []
    while listing.media:
        folder = next(iter(listing.media))  # in the order the folders were met
        media = listing.media.pop(folder).members(folder, sources)
        json_names = listing.json_names.pop(folder, [])
        matcher = Matcher(json_names, (member.name for member in media))
        used = _plan_folder(media, matcher, facts_by_name, result, by_content)
        for name in json_names:  # the facts used live on in their items
            if facts_by_name.pop(name, None) and name not in used:
                unmatched.append(name)
        del media, matcher
    unmatched += (name for name, facts in facts_by_name.items() if facts)  # no photo beside
    _link_edited_copies(result.items)
    result.facts_matched = sum(item.copies for item in result.items if item.matched)
    result.facts_unmatched = sorted(unmatched)
    return result


def _plan_folder(
    media: list[Member],
    matcher: Matcher,
    facts_by_name: dict[str, Facts | None],
    result: Plan,
    by_content: dict[int | tuple[str, int], Item],
) -> set[str]:
    """Add one folder's photos and videos to the plan; return the JSON names they used."""
    used: set[str] = set()
    folder = _album_path(media[0].name) or ""  # one folder's members share it
    kind = folder_kind(folder, result.albums)
    for member in media:
        if kind == "locked":
            result.refused.append(
                (member.key, "in Locked Folder: not imported (no private area yet)")
            )
            continue
        json_name = matcher.json_for(member.name)
        facts = facts_by_name.get(json_name) if json_name else None
        if json_name:
            used.add(json_name)
        same = _content_key(member, by_content)
        item = by_content.get(same) if same is not None else None
        if item is None:
            item = Item(member, facts, matched=json_name is not None)
            if same is not None:
                by_content[same] = item
            result.items.append(item)
        else:
            item.copies += 1
            if item.facts is None and facts is not None:
                item.facts, item.matched = facts, True
        if kind == "album" and folder not in item.albums:
            item.albums.append(folder)
        item.archived |= kind == "archive" or bool(facts and facts.archived)
        item.trashed |= kind == "trash" or bool(facts and facts.trashed)
    return used


def _folder(name: str) -> str:
    """The folder a member is in (matching only looks inside one)."""
    return name.rpartition("/")[0]


def _content_key(
    member: Member, by_content: dict[int | tuple[str, int], Item]
) -> int | tuple[str, int] | None:
    """What finds the item of the same bytes under the same file name (a year folder's photo
    and its album copies): size and CRC-32 as one int (a small key for every photo of a big
    export), with the name only where two names share that int; None without a CRC (tar)."""
    if member.crc is None:
        return None
    key = member.size << 32 | member.crc
    first = by_content.get(key)
    if first is None or _base(first.first.name) == _base(member.name):
        return key
    return (_base(member.name), key)


def _base(name: str) -> str:
    return name.rpartition("/")[2]


def _read_jsons(
    jsons: list[Member], refused: list[tuple[str, str]]
) -> tuple[dict[str, AlbumInfo], dict[str, Facts | None]]:
    """Album metadata by folder, and the facts of every photo JSON by member name."""
    albums: dict[str, AlbumInfo] = {}
    facts: dict[str, Facts | None] = {}
    for member, raw in read_small(jsons, MAX_JSON, refused):
        folder, _, name = member.name.rpartition("/")  # no PurePosixPath: see _split
        if name == "metadata.json":
            albums[folder or "."] = parse_album(raw, folder.rpartition("/")[2])
            continue
        try:
            facts[member.name] = parse_facts(raw)
        except FactsError as exc:
            facts[member.name] = None
            refused.append((member.key, f"JSON ignored: {exc}"))
    return albums, facts


def _link_edited_copies(items: list[Item]) -> None:
    """An edited copy (``IMG_1-edited.jpg``) is stacked with its original (``IMG_1.jpg``)
    in the same folder."""
    copies: dict[str, list[Item]] = {}  # an original's path -> its edited copies
    for item in items:
        folder, _, name = item.first.name.rpartition("/")
        original = unedited(name)
        if original is not None:
            copies.setdefault(f"{folder}/{original}" if folder else original, []).append(item)
    if not copies:
        return
    for item in items:
        for copy in copies.get(item.first.name, ()):
            copy.edited_of = item.key
