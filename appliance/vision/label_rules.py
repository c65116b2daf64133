"""From ImageNet class probabilities to a few user-facing labels, by the shipped rules file.

``models/labels/imagenet_rules.tsv`` (made by ``models/build_label_rules.py``) gives every
class a label (several classes may share one: every dog breed is "dog"), parent categories,
a priority and a threshold; an empty label suppresses the class. The probabilities of the
classes behind a label are added up (only classes at or above ``CLASS_FLOOR`` count, so
that 118 dog breeds at 0.1% each do not make a dog); a label is kept when its sum reaches its
threshold. Labels are ordered by priority (subjects before things), then by confidence.

When the face detector found faces, a portrait is "of" the people in it, not of their tie:
clothing classes, worn accessories and ImageNet's portrait confusions (the "tench" class is
mostly photos of anglers holding one) are left out, and the ``person`` label leads
(:meth:`LabelRules.apply` with ``faces``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from appliance.records import Label
from appliance.vision import rules_file

__all__ = ["Label", "LabelRules", "ClassRule"]

RULES_FILE = rules_file.RULES_FILE
CLASS_FLOOR = 0.02
MAX_LABELS = 3
PERSON_LABEL = "person"
PERSON_CATEGORIES = ("people",)
# Worn or held things that stand for the person when a face is found (ImageNet names);
# every class of category "clothing" is left out too.
PORTRAIT_CONFUSIONS = frozenset(
    {
        "tench",
        "neck brace",
        "sunglasses",
        "necklace",
        "hair spray",
        "lipstick",
        "face powder",
        "perfume",
        "oxygen mask",
        "stethoscope",
        "whistle",
        "cowboy boot",
        "bath towel",
        "hair clip",
        "barbershop",
        "Band-Aid",
    }
)


@dataclass(frozen=True)
class ClassRule:
    """What one ImageNet class becomes; label "" means suppressed."""

    index: int
    wnid: str
    imagenet_name: str
    label: str
    categories: tuple[str, ...]
    priority: int
    threshold: float


class LabelRules:
    """The 1000 class rules, grouped by label for fast aggregation."""

    def __init__(self, rules: list[ClassRule]) -> None:
        if [r.index for r in rules] != list(range(len(rules))) or not rules:
            raise ValueError("label rules must list classes 0..N-1 in order")
        self.rules = rules
        self.num_classes = len(rules)
        names = sorted({r.label for r in rules if r.label})
        self._labels = names
        self._label_of_class = np.array(
            [names.index(r.label) if r.label else -1 for r in rules], dtype=np.int64
        )
        first = {r.label: r for r in reversed(rules) if r.label}
        self._threshold = np.array([first[n].threshold for n in names])
        self._priority = [first[n].priority for n in names]
        self._categories = [first[n].categories for n in names]
        self._portrait_mask = np.array(
            ["clothing" in r.categories or r.imagenet_name in PORTRAIT_CONFUSIONS for r in rules]
        )
        person = first.get(PERSON_LABEL)
        self._person_categories = person.categories if person else PERSON_CATEGORIES

    @classmethod
    def load(cls, path: Path = RULES_FILE) -> LabelRules:
        """Read a rules TSV (cached for the default file)."""
        if Path(path) == RULES_FILE:
            return _default_rules()
        return cls(_read(Path(path)))

    def labels(self) -> set[str]:
        """Every label name and category these rules can produce."""
        return set(self._labels) | {c for cats in self._categories for c in cats}

    def apply(
        self, probabilities: np.ndarray, limit: int = MAX_LABELS, faces: int = 0
    ) -> list[Label]:
        """Labels for one photo from its class probabilities (softmax over all classes);
        ``faces``: how many faces the detector found (portrait rules when above 0)."""
        probs = np.asarray(probabilities, dtype=np.float64).reshape(-1)
        if probs.shape[0] != self.num_classes:
            raise ValueError(f"expected {self.num_classes} probabilities, got {probs.shape[0]}")
        if not np.all(np.isfinite(probs)):
            raise ValueError("class probabilities contain NaN or infinity")
        keep = (self._label_of_class >= 0) & (probs >= CLASS_FLOOR)
        if faces > 0:
            keep &= ~self._portrait_mask
        sums = np.bincount(
            self._label_of_class[keep], weights=probs[keep], minlength=len(self._labels)
        )
        found = [i for i in np.flatnonzero(sums >= self._threshold) if sums[i] > 0]
        found.sort(key=lambda i: (-self._priority[i], -sums[i]))
        labels = [
            Label(self._labels[i], round(min(float(sums[i]), 1.0), 4), self._categories[i])
            for i in found
        ]
        if faces > 0:
            labels = [Label(PERSON_LABEL, 1.0, self._person_categories)] + [
                label for label in labels if label.name != PERSON_LABEL
            ]
        return labels[:limit]


def _read(path: Path) -> list[ClassRule]:
    rules = []
    for row in rules_file.rows(path):
        try:
            rules.append(
                ClassRule(
                    index=int(row["index"]),
                    wnid=row["wnid"],
                    imagenet_name=row["imagenet_name"],
                    label=row["label"],
                    categories=rules_file.categories(row),
                    priority=int(row["priority"]),
                    threshold=float(row["threshold"]),
                )
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: bad rules row {row!r}: {exc}") from exc
    return rules


@lru_cache(maxsize=1)
def _default_rules() -> LabelRules:
    return LabelRules(_read(RULES_FILE))
