"""Measuring faces against a ground truth file such as the corpus' ``faces.json``.

Shared by the tests, ``scripts/face_report.py`` and ``bench/bench_faces.py``: loading the
pictures as the render stage would hand them over, labelling detected faces with the named
persons, detection counts, and pairwise identity metrics of a clustering.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from PIL import Image, ImageOps

from appliance.vision.faces import FaceResult

RENDER_SIDE = 1600


def load_truth(corpus: Path) -> dict[str, dict]:
    """``faces.json`` records keyed by path relative to the corpus."""
    return json.loads((corpus / "faces.json").read_text())["files"]


def load_picture(path: Path, max_side: int = RENDER_SIDE) -> Image.Image:
    """First frame, oriented, RGB (alpha over white), shrunk to ``max_side`` (never grown)."""
    with Image.open(path) as image:
        image.seek(0)
        oriented = ImageOps.exif_transpose(image)
        if oriented.mode in ("RGBA", "LA", "P", "PA"):
            rgba = oriented.convert("RGBA")
            picture = Image.new("RGB", rgba.size, (255, 255, 255))
            picture.paste(rgba, mask=rgba.getchannel("A"))
        else:
            picture = oriented.convert("RGB")
    picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return picture


@dataclass
class DetectionRow:
    path: str
    found: int
    expected: int
    expected_max: int

    @property
    def ok(self) -> bool:
        return self.expected <= self.found <= self.expected_max


@dataclass
class DetectionSummary:
    rows: list[DetectionRow]

    @property
    def recall(self) -> float:
        expected = sum(r.expected for r in self.rows)
        return sum(min(r.found, r.expected) for r in self.rows) / max(expected, 1)

    @property
    def beyond_max(self) -> float:
        """Share of detections beyond ``face_count_max``."""
        total = sum(r.found for r in self.rows)
        return sum(max(0, r.found - r.expected_max) for r in self.rows) / max(total, 1)

    @property
    def negatives_with_faces(self) -> list[str]:
        return [r.path for r in self.rows if r.expected_max == 0 and r.found]


def detection_summary(found: dict[str, int], truth: dict[str, dict]) -> DetectionSummary:
    """Compare face counts per file with the truth."""
    rows = []
    for path, count in found.items():
        rec = truth[path]
        expected = int(rec["face_count"])
        rows.append(DetectionRow(path, count, expected, int(rec.get("face_count_max", expected))))
    return DetectionSummary(rows)


def label_faces(faces: list[FaceResult], record: dict) -> list[str | None]:
    """Names for the detected faces of one file: a single named person is the largest face;
    several named persons are matched left to right (as faces.json lists them)."""
    labels: list[str | None] = [None] * len(faces)
    persons = record.get("persons") or []
    if not persons or not faces:
        return labels
    if len(persons) == 1:
        largest = max(range(len(faces)), key=lambda i: faces[i].box[2] * faces[i].box[3])
        labels[largest] = persons[0]
        return labels
    if len(faces) == len(persons):
        for rank, i in enumerate(sorted(range(len(faces)), key=lambda i: faces[i].box[0])):
            labels[i] = persons[rank]
    return labels


@dataclass
class IdentityReport:
    precision: float
    recall: float
    same_pairs: int
    clustered_pairs: int
    split_people: dict[str, int]  # named persons with >= 3 clear faces spread over clusters
    shared_clusters: dict[int, list[str]]  # clusters holding more than one named person


def identity_report(
    labels: list[str | None], clusters: list[int | None], usable: list[bool]
) -> IdentityReport:
    """Pairwise precision and recall over all pairs of labelled faces.

    A pair counts as clustered when both faces are in the same cluster (``None`` = alone).
    """
    named = [i for i, name in enumerate(labels) if name]
    tp = fp = fn = 0
    for i, j in combinations(named, 2):
        same = labels[i] == labels[j]
        together = clusters[i] is not None and clusters[i] == clusters[j]
        tp += same and together
        fp += together and not same
        fn += same and not together
    by_person: dict[str, set] = defaultdict(set)
    clear: dict[str, int] = defaultdict(int)
    by_cluster: dict[int, set[str]] = defaultdict(set)
    for i in named:
        name = labels[i]
        assert name is not None
        if usable[i]:
            clear[name] += 1
            by_person[name].add(clusters[i])
        if clusters[i] is not None:
            by_cluster[clusters[i]].add(name)
    split = {n: len(c) for n, c in by_person.items() if clear[n] >= 3 and (len(c) > 1 or None in c)}
    shared = {c: sorted(n) for c, n in by_cluster.items() if len(n) > 1}
    return IdentityReport(
        precision=tp / max(tp + fp, 1),
        recall=tp / max(tp + fn, 1),
        same_pairs=tp + fn,
        clustered_pairs=tp + fp,
        split_people=split,
        shared_clusters=shared,
    )
