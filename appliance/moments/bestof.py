"""A "best of" selection: distinct moments, the people who matter most, no near-duplicates.

Candidates are first reduced to one photo per stack (its best). They are cut into moments
(:data:`MOMENT_GAP` apart). Each photo's value is its quality plus a bonus for the people
in it, weighted by how much those people appear in the library. Selection goes round the
moments, most valuable first, taking each moment's best remaining photo, so a long burst of
one moment cannot crowd out the rest of the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MOMENT_GAP = dt.timedelta(minutes=30)
PEOPLE_BONUS = 0.2


@dataclass
class Candidate:
    id: int
    time: dt.datetime
    quality: float
    stack_id: int | None = None
    people: set[int] = field(default_factory=set)


def value(candidate: Candidate, importance: Mapping[int, float]) -> float:
    """Quality plus a bonus (up to PEOPLE_BONUS) for the important people in the photo."""
    weight = sum(importance.get(p, 0.0) for p in candidate.people)
    return candidate.quality + PEOPLE_BONUS * min(1.0, weight)


def one_per_stack(candidates: Sequence[Candidate]) -> list[Candidate]:
    best: dict[int, Candidate] = {}
    alone = []
    for c in candidates:
        if c.stack_id is None:
            alone.append(c)
        elif c.stack_id not in best or c.quality > best[c.stack_id].quality:
            best[c.stack_id] = c
    return alone + list(best.values())


def best_of(
    candidates: Sequence[Candidate],
    limit: int,
    importance: Mapping[int, float] | None = None,
    gap: dt.timedelta = MOMENT_GAP,
) -> list[int]:
    """Up to ``limit`` photo ids, oldest first, covering as many moments as possible."""
    importance = importance or {}
    pool = sorted(one_per_stack(candidates), key=lambda c: (c.time, c.id))
    moments: list[list[Candidate]] = []
    for c in pool:
        if not moments or c.time - moments[-1][-1].time > gap:
            moments.append([])
        moments[-1].append(c)
    for moment in moments:
        moment.sort(key=lambda c: value(c, importance), reverse=True)
    moments.sort(key=lambda m: value(m[0], importance), reverse=True)
    chosen: list[Candidate] = []
    round_ = 0
    while len(chosen) < limit and any(round_ < len(m) for m in moments):
        for moment in moments:
            if round_ < len(moment) and len(chosen) < limit:
                chosen.append(moment[round_])
        round_ += 1
    return [c.id for c in sorted(chosen, key=lambda c: (c.time, c.id))]
