"""A query said back in words (search titles): no filter language shown to a family."""

from __future__ import annotations

import pytest

from appliance.places.names import country_name
from appliance.search.describe import in_words
from appliance.search.query import parse_query


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("place:IT", "In Italy"),
        ("place:tuscany", "In tuscany"),
        ("label:dog OR label:cat", "Dog or cat"),
        ("favorite:yes", "Favourites"),
        ("favourites", "Favourites"),
        ("videos place:it 2019", "Videos, in Italy, in 2019"),
        ('person:"Anna A." -label:car', "With Anna A., not car"),
        ("live photos", "Live Photos"),
        ("kitty", "“kitty”"),
        ("july 2019", "In July 2019"),
        ("2019-07-04", "On 4 July 2019"),
        ("after:2019-06-01 before:2020-01-01", "From 2 June 2019, before 1 January 2020"),
        ("camera:canon type:raw", "Taken with canon, RAW photos"),
        ("near:48.85,2.35,10", "Within 10 km of 48.8500, 2.3500"),
    ],
)
def test_queries_in_words(typed: str, said: str) -> None:
    assert in_words(parse_query(typed), country_name=country_name) == said


def test_people_and_albums_by_id_are_named() -> None:
    names = {("person", 12): "Grandma", ("album", 3): "Summer"}
    query = parse_query("person:#12 album:#3 person:#99")
    said = in_words(query, lambda kind, i: names.get((kind, i)))
    assert said == "With Grandma, in the album “Summer”, with person 99"


def test_country_names_from_the_packaged_list() -> None:
    assert country_name("it") == "Italy" and country_name("GB") == "United Kingdom"
    assert country_name("XX") is None and country_name("Italy") is None


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("christmas", "At Christmas"),
        ("Xmas 2019", "At Christmas, in 2019"),
        ("-summer", "Not in summer"),
    ],
)
def test_times_of_year_in_words(typed: str, said: str) -> None:
    assert in_words(parse_query(typed)) == said
