"""Search words to photo labels: "kitty" -> cat, "automobiles" -> car, "dgo" -> dog.

The table ships as ``models/labels/synonyms.json`` (built from WordNet by
``models/build_synonyms.py``; nothing here needs nltk or WordNet). A word is looked up as:

1. a label name itself: just that label (WordNet also calls a person "cat");
2. a synonym, lemma or hyponym of labels (``kitty``, ``tabby``, ``automobile``);
3. the same after undoing a plural (WordNet's irregular plurals, then English suffix rules);
4. else a misspelling within one edit (insert, delete, replace, swap) of a label or category.
"""

from __future__ import annotations

import json
import logging
import re
from functools import lru_cache
from pathlib import Path

from appliance.vision.models import models_dir

SYNONYMS_FILE = models_dir() / "labels" / "synonyms.json"
MIN_FUZZY_LENGTH = 3
# (suffix, replacement) tried in order on a plural noun, as WordNet's morphy does.
_PLURAL_RULES = (
    ("ies", "y"),
    ("ses", "s"),
    ("xes", "x"),
    ("zes", "z"),
    ("ches", "ch"),
    ("shes", "sh"),
    ("men", "man"),
    ("ves", "f"),
    ("ves", "fe"),
    ("es", "e"),
    ("s", ""),
)


def normalize(word: str) -> str:
    """Lower case, underscores and runs of spaces as one space, trimmed."""
    return re.sub(r"[\s_]+", " ", word.strip().lower())


class SynonymIndex:
    """Word -> labels, from the shipped table."""

    def __init__(
        self,
        labels: dict[str, list[str]],
        plural_exceptions: dict[str, str],
        categories: list[str] | tuple[str, ...] = (),
    ) -> None:
        self._all = set(labels)  # names as photos carry them ("Windsor tie")
        only_categories = set(categories)
        self._labels = {normalize(n): n for n in labels if n not in only_categories}
        self._fuzzy = {normalize(n): n for n in labels}
        self._words: dict[str, set[str]] = {}
        for label, words in labels.items():
            for word in [label, *words]:
                self._words.setdefault(normalize(word), set()).add(label)
        self._plurals = {normalize(k): normalize(v) for k, v in plural_exceptions.items()}

    @classmethod
    def load(cls, path: Path | None = None) -> SynonymIndex:
        """The index from a synonym file; the shipped one is read once and cached."""
        if path is None or Path(path) == SYNONYMS_FILE:
            return _default_index()
        return _read(Path(path))

    def all_labels(self) -> set[str]:
        """Every label and category a photo can carry."""
        return set(self._all)

    def labels_for(self, word: str) -> set[str]:
        """The labels a search word means; empty when it means none."""
        if not isinstance(word, str):
            raise TypeError(f"word must be a string, not {type(word).__name__}")
        text = normalize(word)
        exact = self.exact_labels(text)
        if exact or len(text) < MIN_FUZZY_LENGTH:
            return exact
        return {name for key, name in self._fuzzy.items() if within_one_edit(text, key)}

    def exact_labels(self, word: str) -> set[str]:
        """The labels a word means by the table alone (steps 1-3, no near-miss spelling)."""
        text = normalize(word)
        if not text:
            return set()
        for candidate in [text, *self._singulars(text)]:
            if candidate in self._labels:
                return {self._labels[candidate]}
            if candidate in self._words:
                return set(self._words[candidate])
        return set()

    def _singulars(self, text: str) -> list[str]:
        head, _, last = text.rpartition(" ")
        prefix = f"{head} " if head else ""
        forms = [self._plurals[last]] if last in self._plurals else []
        forms += [last[: -len(end)] + rep for end, rep in _PLURAL_RULES if last.endswith(end)]
        return [prefix + form for form in forms if form]


def within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one insert, delete, replace or adjacent swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _read(path: Path) -> SynonymIndex:
    if not path.is_file():
        raise FileNotFoundError(f"synonym table not found: {path}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        labels = data["labels"]
        plurals = data.get("plural_exceptions", {})
        categories = data.get("categories", [])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a synonym table ({exc})") from exc
    if not isinstance(labels, dict) or not all(isinstance(v, list) for v in labels.values()):
        raise ValueError(f"{path}: 'labels' must map each label to a list of words")
    return SynonymIndex(labels, plurals, categories)


@lru_cache(maxsize=1)
def _default_index() -> SynonymIndex:
    return _read(SYNONYMS_FILE)


log = logging.getLogger(__name__)


def plain_labels(word: str) -> set[str]:
    """The word itself and a naive singular: what a word means without the table."""
    word = word.lower()
    names = {word}
    if len(word) > 3 and word.endswith("s"):
        names.add(word[:-1])
    return names


@lru_cache(maxsize=1)
def _shipped_index() -> SynonymIndex | None:
    try:
        return SynonymIndex.load()
    except Exception:  # a broken synonym file must not take search down
        log.exception("synonym index could not be loaded; plain label matching only")
        return None


def labels_for(word: str) -> set[str]:
    """Label names a search word stands for ("kitty" -> {"kitty", "cat", ...}), lower case:
    the search's ``labels_for`` (web, share links and ``shoebox search``)."""
    names = plain_labels(word)
    index = _shipped_index()
    if index is not None:
        names |= {n.lower() for n in index.labels_for(word)}
    return names
