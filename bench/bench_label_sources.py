"""Label coverage and precision before and after the text reading (issue 24, item 5).

    .venv/bin/python bench/bench_label_sources.py [--corpus DIR]

Every picture of the corpus and the judged text pictures (tests/data/text_pictures) is
imported through the real pipeline (classifier and face detector on), into a throwaway
library. The labels are taken twice from the catalogue: **before**, as the import left
them (the ImageNet classifier, with the portrait rules when faces were found), and
**after** the real text reader ran (:mod:`appliance.text.labels`: screenshot, document,
receipt, and the classifier's paper-and-screen guesses dropped on them).

Printed for both, on the same photos:
- **coverage**: photos with at least one label, over every photo imported;
- **precision** over the judged photos: a label is right when it names the subject, as in
  ``bench_label_precision.py`` (``person`` on a photo with faces; the label or one of its
  categories is a word of the truth). The truth of a corpus picture is its ``content`` in
  ``sources.json`` (or its faces in ``faces.json``); of a text picture, its kind and
  description in ``truth.json``, where a receipt, a page, a letter, a ticket, a notice and
  handwritten notes count as a ``document`` and a receipt as a ``receipt``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_label_precision import corpus_dir  # noqa: E402

from appliance.catalog.db import connect  # noqa: E402
from appliance.catalog.models import Label, PhotoLabel  # noqa: E402
from appliance.config import Settings  # noqa: E402
from appliance.ingest.runner import Ingestor  # noqa: E402
from appliance.library import Library  # noqa: E402
from appliance.records import FileTask  # noqa: E402
from appliance.text.background import TextBackground  # noqa: E402

TEXT_PICTURES = REPO / "tests" / "data" / "text_pictures"
DOCUMENT_KINDS = {"receipt", "document"}
DOCUMENT_WORDS = {"page", "letter", "ticket", "notice", "notes", "book"}


def _words(text: str) -> set[str]:
    words = set(re.findall(r"[a-z]+", text.lower()))
    return words | {w[:-1] for w in words if w.endswith("s") and len(w) > 3}


def pictures(corpus: Path) -> dict[Path, tuple[bool, str]]:
    """Every picture to import -> (has faces, truth text; "" when not judged)."""
    faces = json.loads((corpus / "faces.json").read_text())["files"]
    out: dict[Path, tuple[bool, str]] = {}
    for record in json.loads((corpus / "sources.json").read_text())["files"]:
        if record["kind"] in ("bad", "video"):
            continue
        with_faces = faces.get(record["path"], {}).get("face_count", 0) > 0
        out[corpus / record["path"]] = (with_faces, record.get("content", ""))
    for name, truth in json.loads((TEXT_PICTURES / "truth.json").read_text()).items():
        text = f"{truth['kind']} {truth['description']}"
        if truth["kind"] in DOCUMENT_KINDS or _words(text) & DOCUMENT_WORDS:
            text += " document"
        out[TEXT_PICTURES / name] = (False, text if truth["words"] else "")
    return out


def labels_by_photo() -> dict[int, list[tuple[str, set[str]]]]:
    """Photo id -> its labels (name, name and categories), best first."""
    rows = (
        PhotoLabel.select(PhotoLabel.photo, Label.name, Label.categories)
        .join(Label)
        .where(~PhotoLabel.removed)
        .order_by(PhotoLabel.photo, PhotoLabel.id)
        .tuples()
    )
    out: dict[int, list[tuple[str, set[str]]]] = {}
    for photo, name, categories in rows:
        names = {name.lower(), *(c for c in categories.split(",") if c)}
        out.setdefault(photo, []).append((name, names))
    return out


def score(
    name: str,
    labels: dict[int, list[tuple[str, set[str]]]],
    photos: set[int],
    judged: dict[int, tuple[bool, str]],
) -> None:
    covered = sum(1 for p in photos if labels.get(p))
    given = right = top = 0
    for photo, (with_faces, truth) in judged.items():
        verdicts = [
            (with_faces and (label == "person" or "people" in names)) or bool(names & _words(truth))
            for label, names in labels.get(photo, [])
        ]
        given += len(verdicts)
        right += sum(verdicts)
        top += bool(verdicts and verdicts[0])
    print(
        f"{name:<7} coverage {covered / len(photos):6.1%} ({covered}/{len(photos)})   "
        f"judged photos with a label {sum(1 for p in judged if labels.get(p))}/{len(judged)}   "
        f"label precision {right / given if given else 0:6.1%} ({right}/{given})   "
        f"top label right {top}/{len(judged)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=corpus_dir())
    args = parser.parse_args()
    todo = pictures(args.corpus)
    with tempfile.TemporaryDirectory(prefix="label-sources-") as tmp:
        root = Path(tmp)
        settings = Settings(
            library=root / "library", setup_file=root / "none.toml", workers=2,
            labels=True, faces=True,
        )  # fmt: skip
        start = time.perf_counter()
        with Ingestor(settings) as ingestor:
            outcomes = ingestor.process([FileTask(path, "import", "copy") for path in todo])
        imported = time.perf_counter() - start
        photos: set[int] = set()
        judged: dict[int, tuple[bool, str]] = {}
        for outcome in outcomes:
            if outcome.photo_id is None:
                continue
            photos.add(outcome.photo_id)
            with_faces, truth = todo[outcome.task.path]
            if (with_faces or truth) and outcome.photo_id not in judged:
                judged[outcome.photo_id] = (with_faces, truth)
        connect(settings.library_root / "catalog.db")
        before = labels_by_photo()
        start = time.perf_counter()
        reader = TextBackground(Library(settings.library_root).cache)
        read = reader.run_all()
        reader.close()
        reading = time.perf_counter() - start
        after = labels_by_photo()
        shutil.rmtree(root / "library", ignore_errors=True)
    print(
        f"{len(todo)} pictures, {len(photos)} photos ({len(judged)} judged); import "
        f"{imported:.0f} s, text reading of {read} photos {reading:.0f} s"
    )
    score("before", before, photos, judged)
    score("after", after, photos, judged)
    changed = [p for p in photos if before.get(p) != after.get(p)]
    print(f"photos whose labels changed: {len(changed)}")
    for photo in sorted(changed)[:60]:
        was = [name for name, _ in before.get(photo, [])]
        now = [name for name, _ in after.get(photo, [])]
        truth = judged.get(photo, (False, ""))[1][:50]
        print(f"  {photo:>4} {truth:<50} {was} -> {now}")


if __name__ == "__main__":
    main()
