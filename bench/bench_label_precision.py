"""Label precision on the corpus, before and after the portrait rules (issue 14).

    .venv/bin/python bench/bench_label_precision.py

Every corpus picture with a truth is judged: the people photos of ``faces.json`` (one or
more clearly visible faces) and the classification subjects of ``sources.json``
(``content``). Each photo is decoded once the way the pipeline does it (media.render), the
face detector runs on the viewer image and the classifier on the 224 px input; the label
rules are then applied twice to the same probabilities: without faces (the baseline, as
before) and with the number of faces found (the portrait rules).

A label is judged right when it names the photo's subject: ``person`` (or a label of the
``people`` category) on a photo with faces, or the label's name or one of its categories
appears as a word of the ``content`` description ("pug dog" -> dog). Everything else is
wrong (a "Windsor tie" on a portrait, "fish" on a face). Printed: label precision (right
labels / labels given), top-label precision, people photos whose labels include ``person``,
and the clothing/accessory labels left on people photos.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from appliance.catalog.queries import SURE_FOR_WORDS  # noqa: E402
from appliance.media.render import RenderError, render  # noqa: E402
from appliance.media.sniff import sniff  # noqa: E402
from appliance.vision.classifier import Classifier  # noqa: E402
from appliance.vision.faces import FaceAnalyzer  # noqa: E402
from appliance.vision.label_rules import PERSON_LABEL, PORTRAIT_CONFUSIONS, Label  # noqa: E402


def corpus_dir() -> Path:
    env = os.environ.get("SHOEBOX_CORPUS")
    if env:
        return Path(env)
    near = [base / "shared" / "corpus" for base in (REPO.parent, REPO.parent.parent)]
    return next((p for p in near if p.is_dir()), near[0])


@dataclass
class Score:
    photos: int = 0
    labels: int = 0
    right: int = 0
    top_right: int = 0
    people_photos: int = 0
    people_with_person: int = 0
    worn_on_people: list[str] = field(default_factory=list)
    other_labels: int = 0  # labels other than "person"
    other_right: int = 0
    person_without_faces: int = 0  # "person" on a photo the truth has no face on

    def line(self, name: str) -> str:
        precision = self.right / self.labels if self.labels else 0.0
        top = self.top_right / self.photos if self.photos else 0.0
        people = self.people_with_person / self.people_photos if self.people_photos else 0.0
        return (
            f"{name:<9} label precision {precision:6.1%} ({self.right}/{self.labels})   "
            f"top label {top:6.1%} ({self.top_right}/{self.photos})   "
            f"people photos with 'person' {people:6.1%} ({self.people_with_person}/"
            f"{self.people_photos})   clothing/accessory labels on people photos "
            f"{len(self.worn_on_people)}\n"
            f"{'':<9} labels other than 'person': precision "
            f"{self.other_right / self.other_labels if self.other_labels else 0:6.1%} "
            f"({self.other_right}/{self.other_labels})   'person' on photos without faces "
            f"{self.person_without_faces}"
        )


def _words(text: str) -> set[str]:
    words = set(re.findall(r"[a-z]+", text.lower()))
    return words | {w[:-1] for w in words if w.endswith("s") and len(w) > 3}


def truths(corpus: Path) -> dict[str, tuple[bool, str]]:
    """Corpus path -> (has faces, content description) for every judged picture."""
    faces = json.loads((corpus / "faces.json").read_text())["files"]
    sources = json.loads((corpus / "sources.json").read_text())["files"]
    out: dict[str, tuple[bool, str]] = {}
    for record in sources:
        path = record["path"]
        content = record.get("content", "")
        with_faces = faces.get(path, {}).get("face_count", 0) > 0
        if with_faces or content:
            out[path] = (with_faces, content)
    return out


def is_right(label: Label, with_faces: bool, content: str, worn: set[str]) -> bool:
    names = {label.name.lower(), *(c.lower() for c in label.categories)}
    if with_faces and (label.name == PERSON_LABEL or "people" in label.categories):
        return True
    return bool(names & _words(content)) and label.name not in worn


def main() -> None:
    corpus = corpus_dir()
    judged = truths(corpus)
    classifier = Classifier()
    analyzer = FaceAnalyzer()
    worn = {
        r.label
        for r in classifier.rules.rules
        if r.label and ("clothing" in r.categories or r.imagenet_name in PORTRAIT_CONFUSIONS)
    }
    before, after = Score(), Score()
    judged_labels: list[tuple[float, bool]] = []  # (confidence, right) of "after" labels
    examples: list[str] = []
    skipped = 0
    start = time.perf_counter()
    for rel, (with_faces, content) in sorted(judged.items()):
        path = corpus / rel
        media = sniff(path)
        if media.kind != "image":
            skipped += 1
            continue
        try:
            renditions = render(path, media.mime)
        except RenderError:
            skipped += 1
            continue
        found = analyzer.analyze(renditions.viewer_image) if renditions.viewer_image else []
        probabilities = classifier.probabilities(renditions.model_input)
        for score, faces in ((before, 0), (after, len(found))):
            labels = classifier.rules.apply(probabilities, faces=faces)
            score.photos += 1
            score.labels += len(labels)
            verdicts = [is_right(label, with_faces, content, worn) for label in labels]
            score.right += sum(verdicts)
            score.top_right += bool(verdicts and verdicts[0])
            others = [v for lb, v in zip(labels, verdicts, strict=True) if lb.name != PERSON_LABEL]
            if score is after:
                judged_labels += [
                    (lb.confidence, v)
                    for lb, v in zip(labels, verdicts, strict=True)
                    if lb.name != PERSON_LABEL
                ]
            score.other_labels += len(others)
            score.other_right += sum(others)
            if not with_faces:
                score.person_without_faces += any(lb.name == PERSON_LABEL for lb in labels)
            if with_faces:
                score.people_photos += 1
                score.people_with_person += any(lb.name == PERSON_LABEL for lb in labels)
                score.worn_on_people += [lb.name for lb in labels if lb.name in worn]
        if with_faces and len(examples) < 8:
            was = [lb.name for lb in classifier.rules.apply(probabilities)]
            now = [lb.name for lb in classifier.rules.apply(probabilities, faces=len(found))]
            if was != now:
                examples.append(f"  {rel}: {was} -> {now}")
    seconds = time.perf_counter() - start
    print(f"label precision on {before.photos} judged corpus pictures ({skipped} not decodable "
          f"here), {seconds:.0f} s")  # fmt: skip
    print(before.line("before"))
    print(after.line("after"))
    print("clothing/accessory labels on people photos before:", sorted(set(before.worn_on_people)))
    print(f"labels other than 'person' (after), by confidence; plain-word search uses >= "
          f"{SURE_FOR_WORDS}:")  # fmt: skip
    for name, low, high in (
        ("below", 0.0, SURE_FOR_WORDS),
        ("at/above", SURE_FOR_WORDS, 1.01),
    ):
        band = [right for confidence, right in judged_labels if low <= confidence < high]
        share = sum(band) / len(band) if band else 0.0
        print(f"  {name:<8} {SURE_FOR_WORDS}: precision {share:6.1%} ({sum(band)}/{len(band)})")
    print("some people photos, before -> after:")
    print("\n".join(examples))


if __name__ == "__main__":
    main()
