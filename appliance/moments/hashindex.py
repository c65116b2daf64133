"""Multi-index hashing: find every hash within a Hamming radius without a full scan.

A 64-bit hash is cut into four 16-bit segments, each indexed. Two hashes at distance
``d <= 4 * (r + 1) - 1`` agree within ``r`` bits on at least one segment (pigeonhole), so
probing each segment's index with every value within ``r`` bits of the query's segment
finds all of them. With ``r = 2`` that is 137 probes per segment and covers ``d <= 11``;
at 100,000 photos a 16-bit bucket holds about 1.5 photos, so a look-up touches a few
hundred rows. The catalog uses the same probes on indexed columns (``catalog.stacks``).
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from appliance.moments.phash import hamming, segments

SEGMENT_BITS = 16
PROBE_RADIUS = 2
MAX_RADIUS = 4 * (PROBE_RADIUS + 1) - 1  # distances guaranteed to be found


@functools.cache
def _masks(radius: int) -> tuple[int, ...]:
    masks = [0]
    for flips in range(1, radius + 1):
        for bits in itertools.combinations(range(SEGMENT_BITS), flips):
            masks.append(sum(1 << b for b in bits))
    return tuple(masks)


def probes(segment: int, radius: int = PROBE_RADIUS) -> list[int]:
    """Every 16-bit value within ``radius`` bits of ``segment``."""
    return [segment ^ mask for mask in _masks(radius)]


class MultiIndex:
    """An in-memory multi-index over (key, hash) pairs (bulk grouping and benchmarks)."""

    def __init__(self) -> None:
        self.tables: list[dict[int, list[int]]] = [defaultdict(list) for _ in range(4)]
        self.hashes: dict[int, int] = {}

    def add(self, key: int, value: int) -> None:
        self.hashes[key] = value
        for table, segment in zip(self.tables, segments(value), strict=True):
            table[segment].append(key)

    def near(self, value: int, radius: int) -> list[tuple[int, int]]:
        """(key, distance) of every indexed hash within ``radius`` (<= MAX_RADIUS)."""
        if radius > MAX_RADIUS:
            raise ValueError(f"radius {radius} exceeds what the index guarantees ({MAX_RADIUS})")
        seen: set[int] = set()
        found = []
        for table, segment in zip(self.tables, segments(value), strict=True):
            for probe in probes(segment):
                for key in table.get(probe, ()):
                    if key in seen:
                        continue
                    seen.add(key)
                    distance = hamming(value, self.hashes[key])
                    if distance <= radius:
                        found.append((key, distance))
        return found


def _popcount(values: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):  # numpy >= 2
        return np.bitwise_count(values)
    return np.unpackbits(values.view(np.uint8)).reshape(-1, 64).sum(axis=1)


def similar_pairs(hashes: Sequence[int], radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i < j) of ``hashes`` within ``radius`` bits, by multi-index hashing done
    in bulk with numpy: per segment, a counting sort gives each 16-bit value's bucket, and
    each of the 137 probe masks is one vectorised pass (for whole-library grouping)."""
    if radius > MAX_RADIUS:
        raise ValueError(f"radius {radius} exceeds what the index guarantees ({MAX_RADIUS})")
    values = np.asarray(hashes, dtype=np.uint64)
    n = len(values)
    found_a, found_b = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    if n < 2:
        return found_a[0], found_b[0]
    rows = np.arange(n, dtype=np.int64)
    for i in range(4):
        seg = ((values >> np.uint64(16 * i)) & np.uint64(0xFFFF)).astype(np.int64)
        order = np.argsort(seg, kind="stable")
        starts = np.zeros((1 << SEGMENT_BITS) + 1, dtype=np.int64)
        starts[1 : (1 << SEGMENT_BITS) + 1] = np.cumsum(np.bincount(seg, minlength=1 << 16))
        for mask in _masks(PROBE_RADIUS):
            keys = seg ^ mask
            lo, hi = starts[keys], starts[keys + 1]
            counts = hi - lo
            total = int(counts.sum())
            if not total:
                continue
            a = np.repeat(rows, counts)
            offsets = np.arange(total, dtype=np.int64) - np.repeat(
                np.cumsum(counts) - counts, counts
            )
            b = order[np.repeat(lo, counts) + offsets]
            keep = a < b
            a, b = a[keep], b[keep]
            close = _popcount(values[a] ^ values[b]) <= radius
            found_a.append(a[close])
            found_b.append(b[close])
    return np.concatenate(found_a), np.concatenate(found_b)
