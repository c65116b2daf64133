"""Labels a photo's own words name (appliance.search.named_labels): which words name an
animal, and what that does to the classifier's labels."""

from __future__ import annotations

import pytest

from appliance.records import Label
from appliance.search.named_labels import corrected, named_animals

PERSON = Label("person", 1.0, ("people",))
LIZARD = Label("lizard", 0.62, ("animal", "reptile"))
DOG = Label("dog", 0.7, ("animal", "pet"))
ROCK = Label("cliff", 0.3, ("landscape",))


def test_the_falcons_keywords_and_title_name_a_bird() -> None:
    words = ["sfan", "pinn", "raptors", "events", "birds", "monitoring", "prairie falcons"]
    assert named_animals(["Prairie falcon female with eggs", *words]) == ["bird"]


@pytest.mark.parametrize(
    ("texts", "animals"),
    [
        (["Our dog Rex"], ["dog"]),
        (["kitty"], ["cat"]),  # a synonym
        (["Cats and dogs"], ["cat", "dog"]),  # plurals, in the order named
        (["Hot dog stand"], []),  # the longest phrase names food, not a dog
        (["dgo"], []),  # never a near-miss spelling
        (["Frost", "Yard", "Blue Square"], []),  # names nothing, or no animal
        (["Denali National Park and Preserve"], []),
        ([None, ""], []),
    ],
)
def test_which_words_name_an_animal(texts: list[str | None], animals: list[str]) -> None:
    assert named_animals(texts) == animals


def test_a_named_animal_replaces_the_classifiers_other_animals() -> None:
    got = corrected([LIZARD, ROCK], ["bird"])
    assert [label.name for label in got] == ["bird", "cliff"]
    assert got[0].categories == ("animal",)


def test_people_stay_first_and_an_animal_named_and_seen_is_kept() -> None:
    got = corrected([PERSON, DOG, LIZARD], ["dog"])
    assert [label.name for label in got] == ["person", "dog"]
    assert got[1] == DOG  # the classifier's own confidence


def test_words_that_name_no_animal_change_nothing() -> None:
    assert corrected([LIZARD, ROCK], []) == [LIZARD, ROCK]
