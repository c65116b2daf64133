"""What a planner of an export (`takeout_plan`, `icloud_plan`) hands the import: the items
to bring in, with the facts their export kept about them, the albums, what was refused."""

from __future__ import annotations

from dataclasses import dataclass, field

from appliance.migrate.takeout_archive import Member
from appliance.migrate.takeout_facts import AlbumInfo, Facts


@dataclass(slots=True)
class Item:
    """One photo or video to import: the member whose bytes are read, and how many members
    of the export held the same bytes (a year folder and its albums)."""

    first: Member
    facts: Facts | None = None
    matched: bool = False  # a JSON or CSV row was found for it (its facts may be unreadable)
    albums: list[str] = field(default_factory=list)  # keys of Plan.albums
    archived: bool = False
    trashed: bool = False
    edited_of: str | None = None  # the key of the original this is an edited copy of
    copies: int = 1

    @property
    def key(self) -> str:
        return self.first.key


@dataclass
class Plan:
    kind: str  # "Google Takeout", "iCloud Photos"
    items: list[Item]
    albums: dict[str, AlbumInfo]
    refused: list[tuple[str, str]]  # (name, why): not imported
    facts_matched: int = 0  # media files with their JSON (or CSV row)
    facts_unmatched: list[str] = field(default_factory=list)  # JSON/rows that match nothing
    archives: int = 0
