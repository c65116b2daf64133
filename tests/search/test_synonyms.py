"""Search words to labels from the shipped WordNet-derived table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from appliance.search.synonyms import SynonymIndex, normalize, within_one_edit
from appliance.vision.label_rules import LabelRules


@pytest.fixture(scope="module")
def index() -> SynonymIndex:
    return SynonymIndex.load()


@pytest.mark.parametrize(
    ("word", "labels"),
    [
        ("cat", {"cat"}),
        ("kitty", {"cat"}),
        ("kitten", {"cat"}),
        ("kittens", {"cat"}),
        ("cats", {"cat"}),
        ("tabby", {"cat"}),
        ("automobile", {"car"}),
        ("cars", {"car"}),
        ("Sports  Cars", {"car"}),
        ("taxi", {"car", "taxi"}),
        ("puppies", {"dog"}),
        ("poodle", {"dog"}),
        ("eagle", {"bird"}),
        ("geese", {"bird"}),
        ("wolves", {"wolf"}),
        ("seaside", {"beach"}),
        ("beaches", {"beach"}),
        ("espresso", {"coffee", "drink"}),
        ("beverage", {"drink"}),
        ("children", {"person"}),
        ("animal", {"animal"}),
    ],
)
def test_words_lead_to_labels(index: SynonymIndex, word: str, labels: set[str]) -> None:
    assert index.labels_for(word) == labels


@pytest.mark.parametrize(
    ("typo", "label"), [("dgo", "dog"), ("kat", "cat"), ("beahc", "beach"), ("moutain", "mountain")]
)
def test_misspellings_within_one_edit(index: SynonymIndex, typo: str, label: str) -> None:
    assert label in index.labels_for(typo)


def test_unknown_and_empty_words(index: SynonymIndex) -> None:
    assert index.labels_for("xyzzy") == set()
    assert index.labels_for("   ") == set()
    assert index.labels_for("ab") == set()  # too short to guess a misspelling
    assert index.labels_for("moutnaiin") == set()  # two edits away
    with pytest.raises(TypeError, match="string"):
        index.labels_for(None)  # type: ignore[arg-type]


def test_label_names_win_over_slang(index: SynonymIndex) -> None:
    # WordNet also calls a person "cat" or "dog"; a label name means only that label.
    assert index.labels_for("dog") == {"dog"}
    assert index.labels_for("bird") == {"bird"}


def test_every_label_the_classifier_gives_is_searchable(index: SynonymIndex) -> None:
    produced = LabelRules.load().labels()
    assert produced <= index.all_labels()
    for label in produced:
        assert label in index.labels_for(label)
        assert label in index.labels_for(label.lower())


def test_load_is_cached_and_files_are_checked(tmp_path: Path) -> None:
    assert SynonymIndex.load() is SynonymIndex.load()
    with pytest.raises(FileNotFoundError):
        SynonymIndex.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not a synonym table"):
        SynonymIndex.load(bad)
    bad.write_text(json.dumps({"labels": {"cat": "kitty"}}))
    with pytest.raises(ValueError, match="list of words"):
        SynonymIndex.load(bad)
    small = tmp_path / "small.json"
    small.write_text(json.dumps({"labels": {"cat": ["kitty"]}, "plural_exceptions": {}}))
    assert SynonymIndex.load(small).labels_for("kitties") == {"cat"}


def test_edit_distance_and_normalize() -> None:
    assert within_one_edit("dog", "dgo") and within_one_edit("cat", "cart")
    assert within_one_edit("beach", "beac") and within_one_edit("car", "cat")
    assert not within_one_edit("dog", "god") and not within_one_edit("cat", "dogs")
    assert normalize("  Sports_Car ") == "sports car"
