"""Incremental clustering of identity vectors into people (pure: no database).

Each new face is compared with the faces already in people (one vector against a matrix, so
a photo costs O(faces in the library), never an all-pairs matrix):

* it **joins** the person whose members lie closest, if that person is close enough: one
  member within ``tight_radius``, or at least two members (or all, for a one-face person)
  within ``match_radius``, and the person's mean within ``centroid_radius`` (so a person
  cannot creep away one near face at a time). Named people reach ``named_bonus`` further.
  A person that already has a face in the same photo, or from which the user removed this
  face, is never chosen.
* otherwise it waits in the **pending pool**. With pending faces it may **found** a new
  person: its own pool neighbours within ``link_radius`` (one hop only, so chains cannot
  glue two people together), at most one face per photo, each also within ``link_radius``
  of the group's running mean. A group of ``min_faces`` faces, or a pair closer than
  ``pair_radius``, becomes a person.

Compared with PhotoPrism (DBSCAN, radius 0.64) and Immich (core at 3 neighbours within
0.5): radii stay at or below 0.5 because wrong merges are what users hate most; one-hop
founding and the running-mean check stop DBSCAN's chaining; same-photo faces are a hard
cannot-link; tight pairs are allowed so people with two photos still gather.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DIM = 128


@dataclass(frozen=True)
class ClusterParams:
    """Distances are Euclidean between dlib descriptors (dlib's own cut-off is 0.6)."""

    match_radius: float = 0.5
    tight_radius: float = 0.4
    named_bonus: float = 0.04
    link_radius: float = 0.5
    pair_radius: float = 0.42
    centroid_radius: float = 0.5  # and never farther than this from the person's mean
    min_faces: int = 3


@dataclass
class FaceVector:
    """A usable face as the clusterer sees it."""

    id: int
    photo: int
    vector: np.ndarray
    rejected: frozenset[int] = frozenset()  # people the user removed this face from


@dataclass(frozen=True)
class Assignment:
    """``face`` goes to ``person``: an existing id (> 0) or a new person (key <= 0)."""

    face: int
    person: int


class _Rows:
    """A growable matrix of vectors with per-row ints (id, photo, person) and an alive flag."""

    def __init__(self) -> None:
        self.vectors = np.zeros((64, DIM), np.float32)
        self.ids = np.zeros(64, np.int64)
        self.photos = np.zeros(64, np.int64)
        self.people = np.zeros(64, np.int64)
        self.alive = np.zeros(64, bool)
        self.rejected: list[frozenset[int]] = []
        self.count = 0

    def add(self, face: FaceVector, person: int = 0) -> int:
        if self.count == len(self.ids):
            grow = len(self.ids)
            self.vectors = np.concatenate([self.vectors, np.zeros((grow, DIM), np.float32)])
            for name in ("ids", "photos", "people", "alive"):
                arr = getattr(self, name)
                setattr(self, name, np.concatenate([arr, np.zeros(grow, arr.dtype)]))
        row = self.count
        self.vectors[row] = face.vector
        self.ids[row], self.photos[row], self.people[row] = face.id, face.photo, person
        self.alive[row] = True
        self.rejected.append(face.rejected)
        self.count += 1
        return row

    def distances(self, vector: np.ndarray) -> np.ndarray:
        """Distance from ``vector`` to every row (inf for removed rows)."""
        diff = self.vectors[: self.count] - vector
        dist = np.sqrt(np.einsum("ij,ij->i", diff, diff))
        dist[~self.alive[: self.count]] = np.inf
        return dist


@dataclass
class Clusterer:
    """Holds the people's members and the pending pool; ``add`` places one new face."""

    params: ClusterParams = field(default_factory=ClusterParams)
    named: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.members = _Rows()
        self.pending = _Rows()
        self.sizes: dict[int, int] = {}
        self.sums: dict[int, np.ndarray] = {}
        self._next_new = 0

    # -- loading the current state -------------------------------------------------------
    def add_member(self, face: FaceVector, person: int) -> None:
        """A face that already belongs to ``person``."""
        self.members.add(face, person)
        self.sizes[person] = self.sizes.get(person, 0) + 1
        total = self.sums.setdefault(person, np.zeros(DIM, np.float64))
        total += face.vector

    def add_pending(self, face: FaceVector) -> None:
        """A face already looked at that belongs to nobody yet."""
        self.pending.add(face)

    # -- placing faces ---------------------------------------------------------------------
    def add(self, face: FaceVector) -> list[Assignment]:
        """Place a new face; return every assignment made (several when a person is founded)."""
        _check(face)
        person = self.match(face)
        if person is not None:
            self.add_member(face, person)
            return [Assignment(face.id, person)]
        return self._found(face)

    def match(self, face: FaceVector) -> int | None:
        """The existing person this face belongs to, or None."""
        m, p = self.members, self.params
        if m.count == 0:
            return None
        dist = m.distances(face.vector)
        reach = p.match_radius + p.named_bonus
        near = np.flatnonzero(dist <= reach)
        if near.size == 0:
            return None
        people = m.people[: m.count]
        blocked = set(people[(m.photos[: m.count] == face.photo) & m.alive[: m.count]].tolist())
        blocked |= set(face.rejected)
        best: tuple[float, int] | None = None
        for person in set(people[near].tolist()) - blocked:
            radius = p.match_radius + (p.named_bonus if person in self.named else 0.0)
            mine = dist[near][people[near] == person]
            mine = mine[mine <= radius]
            if mine.size == 0:
                continue
            nearest = float(mine.min())
            support = int(mine.size)
            centre = self.sums[person] / self.sizes[person]
            if np.linalg.norm(face.vector - centre) > p.centroid_radius + radius - p.match_radius:
                continue
            if nearest <= p.tight_radius or support >= min(2, self.sizes.get(person, 1)):
                key = (nearest - 0.02 * min(support, 5), person)
                best = key if best is None or key < best else best
        return None if best is None else best[1]

    def _found(self, face: FaceVector) -> list[Assignment]:
        """Park the face in the pool, or found a new person with its pool neighbours."""
        pool, p = self.pending, self.params
        row = pool.add(face)
        dist = pool.distances(face.vector)
        dist[row] = np.inf
        order = [int(i) for i in np.argsort(dist) if dist[i] <= p.link_radius]
        group = [row]
        photos = {face.photo}
        total = face.vector.astype(np.float64).copy()
        for i in order:
            if int(pool.photos[i]) in photos:
                continue
            mean = total / len(group)
            if np.linalg.norm(pool.vectors[i] - mean) > p.link_radius:
                continue
            group.append(i)
            photos.add(int(pool.photos[i]))
            total += pool.vectors[i]
        pair_ok = len(group) == 2 and dist[group[1]] <= p.pair_radius
        if len(group) < p.min_faces and not pair_ok:
            return []
        self._next_new -= 1
        person = self._next_new
        out = []
        for i in group:
            pool.alive[i] = False
            fv = FaceVector(int(pool.ids[i]), int(pool.photos[i]), pool.vectors[i].copy())
            self.add_member(fv, person)
            out.append(Assignment(fv.id, person))
        return out

    def retry_pending(self, since: int = 0) -> list[Assignment]:
        """Try pending faces against the people again after they grew.

        Only pending faces within reach of a member added at row ``since`` or later are
        matched again, so the cost is (pending x new members), not (pending x all members).
        """
        out = []
        pool, m = self.pending, self.members
        if pool.count == 0 or m.count <= since:
            return out
        fresh = m.vectors[since : m.count]
        reach = self.params.match_radius + self.params.named_bonus
        for i in range(pool.count):
            if not pool.alive[i]:
                continue
            if np.min(np.linalg.norm(fresh - pool.vectors[i], axis=1)) > reach:
                continue
            fv = FaceVector(
                int(pool.ids[i]), int(pool.photos[i]), pool.vectors[i].copy(), pool.rejected[i]
            )
            person = self.match(fv)
            if person is not None:
                pool.alive[i] = False
                self.add_member(fv, person)
                out.append(Assignment(fv.id, person))
        return out


def _check(face: FaceVector) -> None:
    vector = np.asarray(face.vector)
    if vector.shape != (DIM,) or not np.all(np.isfinite(vector)):
        raise ValueError(f"face {face.id}: descriptor must be {DIM} finite floats")


def cluster_all(faces: list[FaceVector], params: ClusterParams | None = None) -> dict[int, int]:
    """Cluster faces from scratch (in the given order); return face id -> person key.

    Faces left alone are missing from the result.
    """
    clusterer = Clusterer(params or ClusterParams())
    result: dict[int, int] = {}
    for face in faces:
        for a in clusterer.add(face):
            result[a.face] = a.person
    for a in clusterer.retry_pending():
        result[a.face] = a.person
    return result
