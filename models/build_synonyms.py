"""Derive models/labels/synonyms.json: search words -> photo labels, from WordNet 3.0.

Build time only, after build_label_rules.py (same build venv, same WordNet)::

    /tmp/buildvenv/bin/python models/build_synonyms.py

For every label the rules can give, the words that mean it are: the label itself, the
lemmas of its WordNet roots and of every hyponym below them ("kitty", "tabby" -> cat;
"automobile", "taxi" -> car). A label's roots are the synsets of its classes, the group
synset it was derived from, and every noun sense of the label word that lies above one of its
classes, plus the hand-checked ``EXTRA_ROOTS``. A category (animal, vehicle, drink, ...)
gets only its own synsets' lemmas: the words below it already lead to the specific labels.
WordNet's plural exceptions ("geese") for the indexed words ship too; regular plurals are
handled at run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from build_label_rules import GROUPS, derive, imagenet_classes, open_wordnet

HERE = Path(__file__).resolve().parent
OUT = HERE / "labels" / "synonyms.json"
# Extra senses that WordNet files elsewhere than under the label's classes (whole subtree
# taken), checked by hand.
EXTRA_ROOTS: dict[str, tuple[str, ...]] = {
    "cat": ("kitten.n.01",),
    "dog": ("puppy.n.01",),
    "beach": ("beach.n.01", "seashore.n.01", "shore.n.01"),
    "lake": ("lake.n.01",),
    "mountain": ("mountain.n.01",),
    "flower": ("flower.n.01", "rose.n.01"),
    "drink": ("beverage.n.01",),
    "sea": ("sea.n.01", "ocean.n.01"),
}
# Senses whose own lemmas only (no subtree: "person" has thousands of hyponyms, many of
# them slang that collides with animal labels) also name a label.
EXTRA_LEMMAS: dict[str, tuple[str, ...]] = {
    "person": (
        "person.n.01",
        "man.n.01",
        "woman.n.01",
        "child.n.01",
        "baby.n.01",
        "people.n.01",
        "boy.n.01",
        "girl.n.01",
    ),  # fmt: skip
}


def _word(lemma_name: str) -> str:
    return lemma_name.replace("_", " ").lower()


def _closure(synset) -> set:  # noqa: ANN001 - nltk Synset
    """A synset and every hyponym (and instance hyponym) below it."""
    seen = {synset}
    stack = [synset]
    while stack:
        node = stack.pop()
        for child in node.hyponyms() + node.instance_hyponyms():
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def _ancestors(synset) -> set:  # noqa: ANN001
    seen = {synset}
    stack = [synset]
    while stack:
        for parent in stack.pop().hypernyms():
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def build(wn) -> dict:  # noqa: ANN001 - nltk WordNetCorpusReader
    """The table: {"labels": {label or category: [words]}, "categories": [category-only
    names], "plural_exceptions": {plural: singular}}."""
    rules = derive(wn, imagenet_classes())
    groups = {g.synset: g for g in GROUPS}
    roots: dict[str, set] = {}
    categories: set[str] = set()
    for rule in rules:
        if not rule.label:
            continue
        categories.update(rule.categories)
        synset = wn.synset_from_pos_and_offset("n", int(rule.wnid[1:]))
        bucket = roots.setdefault(rule.label, set())
        bucket.add(synset)
        if rule.group in groups and groups[rule.group].label == rule.label:
            bucket.add(wn.synset(rule.group))
        if rule.label in EXTRA_LEMMAS:
            continue  # its own senses are listed there, without their huge subtrees
        above = _ancestors(synset)
        bucket.update(s for s in wn.synsets(rule.label.replace(" ", "_"), "n") if s in above)
        categories.update(rule.categories)
    for label, names in EXTRA_ROOTS.items():
        roots.setdefault(label, set()).update(wn.synset(n) for n in names)

    table: dict[str, set[str]] = {}
    for label, synsets in roots.items():
        words = table.setdefault(label, {label.lower()})
        for root in synsets:
            for node in _closure(root):
                words.update(_word(lemma.name()) for lemma in node.lemmas())
    for label, names in EXTRA_LEMMAS.items():
        for name in names:
            table[label].update(_word(lemma.name()) for lemma in wn.synset(name).lemmas())
    for category in categories - set(roots):
        words = table.setdefault(category, {category.lower()})
        for synset in wn.synsets(category.replace(" ", "_"), "n")[:1]:
            words.update(_word(lemma.name()) for lemma in synset.lemmas())

    indexed = {w for words in table.values() for w in words}
    exceptions = {}
    for line in (Path(wn.root.path) / "noun.exc").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and _word(parts[1]) in indexed and parts[0] != parts[1]:
            exceptions[_word(parts[0])] = _word(parts[1])
    return {
        "source": "WordNet 3.0 (Debian wordnet-base) via models/build_synonyms.py",
        "labels": {label: sorted(words) for label, words in sorted(table.items())},
        "categories": sorted(categories - set(roots)),
        "plural_exceptions": dict(sorted(exceptions.items())),
    }


def main() -> int:
    data = build(open_wordnet())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":"), indent=0) + "\n")
    words = sum(len(w) for w in data["labels"].values())
    size = OUT.stat().st_size
    print(f"{OUT}: {len(data['labels'])} labels, {words} words, {size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
