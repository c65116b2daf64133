"""The shipped label rules file, ``models/labels/imagenet_rules.tsv`` (made by
``models/build_label_rules.py``), read as rows: one per ImageNet class, with its label and
the label's categories. Light (no numpy): the classifier's rules (`vision.label_rules`) and
the words that name a label (`search.named_labels`) both read it here."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from appliance.vision.models import models_dir

RULES_FILE = models_dir() / "labels" / "imagenet_rules.tsv"


def rows(path: Path = RULES_FILE) -> Iterator[dict[str, str]]:
    """The file's rows as dicts by column name (its ``#`` comment lines left out)."""
    if not path.is_file():
        raise FileNotFoundError(f"label rules not found: {path}")
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")


def categories(row: dict[str, str]) -> tuple[str, ...]:
    """A row's categories (``animal,fish`` -> ``("animal", "fish")``)."""
    return tuple(c for c in row["categories"].split(",") if c)


@lru_cache(maxsize=1)
def label_categories() -> dict[str, tuple[str, ...]]:
    """Every label the classifier can give, with its categories."""
    return {row["label"]: categories(row) for row in rows() if row["label"]}
