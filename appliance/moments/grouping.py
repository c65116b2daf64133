"""The near-duplicate rules, and grouping many photos at once (backfill, benchmarks).

:func:`link_reason` is the one rule used both for a new photo (``catalog.stacks``, through
the catalog's indexes) and for a whole library at once (:func:`group_items`, in memory
through :func:`~appliance.moments.hashindex.similar_pairs` and a time-sorted sweep).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from appliance.moments.hashindex import similar_pairs
from appliance.moments.phash import hamming

NEAR_RADIUS = 8  # any two photos: resized copies, re-encodes, other formats, orientations
BURST_RADIUS = 20  # same camera within BURST_SECONDS: bursts, HDR / non-HDR pairs
SAME_SHOT_RADIUS = 24  # same camera, same second: edited copies (crop, black and white)
BURST_SECONDS = 60


def link_reason(
    distance: int | None,
    same_camera: bool,
    seconds_apart: float | None,
    pixels_missing: bool = False,
) -> str | None:
    """Why two photos belong in one stack ("similar", "burst", "same-shot"), or None.

    ``distance`` is the Hamming distance of their hashes (None: one has no hash);
    ``seconds_apart`` the capture-time difference (None: unknown); ``pixels_missing`` that
    one of them has no rendition at all (a RAW stub), so only metadata can match it."""
    if distance is not None and distance <= NEAR_RADIUS:
        return "similar"
    if not same_camera or seconds_apart is None or seconds_apart > BURST_SECONDS:
        return None
    if seconds_apart == 0 and (
        (distance is not None and distance <= SAME_SHOT_RADIUS) or pixels_missing
    ):
        return "same-shot"
    if distance is not None and distance <= BURST_RADIUS:
        return "burst"
    return None


@dataclass
class Item:
    id: int
    phash: int | None
    camera: tuple[str, str] | None  # (make, model), None when unknown
    taken: dt.datetime | None
    has_pixels: bool = True


class _Union:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(x, x) != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def group_items(items: Sequence[Item]) -> list[list[int]]:
    """Groups (two or more ids) of ``items`` linked by :func:`link_reason`, transitively."""
    union = _Union()
    hashed = [item for item in items if item.phash is not None]
    first, second = similar_pairs([item.phash for item in hashed], NEAR_RADIUS)
    for a, b in zip(first.tolist(), second.tolist(), strict=True):
        union.union(hashed[a].id, hashed[b].id)
    by_camera: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in items:
        if item.camera and item.taken is not None:
            by_camera[item.camera].append(item)
    window = dt.timedelta(seconds=BURST_SECONDS)
    for shots in by_camera.values():
        shots.sort(key=lambda i: i.taken)  # type: ignore[arg-type, return-value]
        start = 0
        for j, item in enumerate(shots):
            while item.taken - shots[start].taken > window:  # type: ignore[operator]
                start += 1
            for other in shots[start:j]:
                distance = (
                    hamming(item.phash, other.phash)
                    if item.phash is not None and other.phash is not None
                    else None
                )
                seconds = (item.taken - other.taken).total_seconds()  # type: ignore[operator]
                missing = not (item.has_pixels and other.has_pixels)
                if link_reason(distance, True, seconds, missing):
                    union.union(item.id, other.id)
    groups: dict[int, list[int]] = defaultdict(list)
    for item in items:
        groups[union.find(item.id)].append(item.id)
    return [sorted(g) for g in groups.values() if len(g) > 1]
