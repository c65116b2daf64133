"""Labels a photo's own words name, and how they correct the classifier (a pure module).

ImageNet's classifier knows a few hundred animals and names a poorly covered one after a
wrong neighbour: the corpus's prairie falcon in flight is a "lizard" in every crop. The
family's (or the photographer's) words say better: a keyword or a title that names an animal
("birds", "prairie falcons", "Our dog Rex") is what the photo shows.

The rule, kept by :func:`corrected`:

- the words are the photo's title and its keywords (manual labels); a word or a phrase of up
  to three words names a label when the search vocabulary (``synonyms.json``: the label, its
  synonyms and hyponyms, singular or plural, never a near-miss spelling) gives exactly one
  label for it, and that label is an animal the rules file knows;
- when the words name animals, the classifier's other animal labels go and the named ones
  are added (``WORDS_CONFIDENCE``); its other labels (people, things, places) stay;
- words that name no animal change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from appliance.records import Label
from appliance.search.synonyms import SynonymIndex, normalize
from appliance.vision.rules_file import label_categories

ANIMAL = "animal"  # the rules file's category of every animal label
PEOPLE = "people"  # the category of the people labels (they lead a portrait's labels)
WORDS_CONFIDENCE = 0.9
LONGEST_PHRASE = 3
_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")


def named_animals(texts: Iterable[str | None]) -> list[str]:
    """The animal labels the words of ``texts`` name, in the order they are first named."""
    index = SynonymIndex.load()
    known = label_categories()
    found: list[str] = []
    for text in texts:
        tokens = _WORD.findall(normalize(text or ""))
        taken = [False] * len(tokens)
        for size in range(min(LONGEST_PHRASE, len(tokens)), 0, -1):
            for start in range(len(tokens) - size + 1):
                if any(taken[start : start + size]):
                    continue  # a word belongs to the longest phrase that names something
                labels = index.exact_labels(" ".join(tokens[start : start + size]))
                if not labels:
                    continue
                taken[start : start + size] = [True] * size
                name = next(iter(labels)) if len(labels) == 1 else None
                if name and ANIMAL in known.get(name, ()) and name not in found:
                    found.append(name)
    return found


def corrected(labels: Iterable[Label], animals: list[str]) -> list[Label]:
    """The machine labels after the photo's words: the named animals replace the
    classifier's other animal guesses (nothing changes when no animal is named)."""
    labels = list(labels)
    if not animals:
        return labels
    kept = [label for label in labels if ANIMAL not in label.categories or label.name in animals]
    have = {label.name for label in kept}
    known = label_categories()
    added = [Label(name, WORDS_CONFIDENCE, known[name]) for name in animals if name not in have]
    people = [label for label in kept if PEOPLE in label.categories]  # a portrait stays one
    return people + added + [label for label in kept if PEOPLE not in label.categories]
