"""The search box's query language."""

from __future__ import annotations

import datetime as dt

import pytest

from appliance.search.query import Near, QueryError, parse_query


def kinds(text: str) -> list[tuple[str, object, bool]]:
    return [(t.kind, t.value, t.negated) for t in parse_query(text).terms]


def test_plain_words_and_phrases() -> None:
    assert kinds('kitty "red car"  beach') == [
        ("word", "kitty", False),
        ("word", "red car", False),
        ("word", "beach", False),
    ]
    assert parse_query("   ").empty


def test_filters_are_typed() -> None:
    assert kinds("label:cat year:2021 month:june favorite:yes type:RAW") == [
        ("label", "cat", False),
        ("year", 2021, False),
        ("month", 6, False),
        ("favorite", True, False),
        ("type", "raw", False),
    ]
    assert kinds('person:"Joe Biden" album:#3 person:#12 camera:canon lens:50mm') == [
        ("person", "Joe Biden", False),
        ("album", 3, False),
        ("person", 12, False),
        ("camera", "canon", False),
        ("lens", "50mm", False),
    ]


def test_dates_cover_whole_periods() -> None:
    assert kinds("before:2021") == [("before", dt.date(2021, 1, 1), False)]
    assert kinds("after:2021") == [("after", dt.date(2022, 1, 1), False)]
    assert kinds("after:2020-02") == [("after", dt.date(2020, 3, 1), False)]
    assert kinds("after:2020-12") == [("after", dt.date(2021, 1, 1), False)]
    assert kinds("before:2020-02-29") == [("before", dt.date(2020, 2, 29), False)]


def test_near_with_and_without_radius() -> None:
    assert kinds("near:43.46,11.88") == [("near", Near(43.46, 11.88, 5.0), False)]
    assert kinds("near:-33.9,151.2,25") == [("near", Near(-33.9, 151.2, 25.0), False)]


def test_exclusion() -> None:
    assert kinds('-label:dog -"bad day" cat') == [
        ("label", "dog", True),
        ("word", "bad day", True),
        ("word", "cat", False),
    ]
    # a lone dash or a dash inside a word is not an exclusion
    assert kinds("- t-shirt") == [("word", "-", False), ("word", "t-shirt", False)]


def test_aliases_and_case() -> None:
    assert kinds("Favourite:YES LABEL:Cat") == [("favorite", True, False), ("label", "Cat", False)]


def test_round_trip_text() -> None:
    text = 'label:cat -person:"Joe Biden" year:2020 "red car"'
    assert str(parse_query(text)) == text
    assert str(parse_query(str(parse_query(text)))) == text


def test_time_like_words_are_words() -> None:
    assert kinds("12:30") == [("word", "12:30", False)]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('"unclosed', "quote is not closed"),
        ("lable:cat", "unknown filter lable:"),
        ("year:twenty", "year:"),
        ("year:1200", "year:"),
        ("month:13", "month:"),
        ("month:smarch", "month:"),
        ("before:2021-02-30", "before:"),
        ("after:yesterday", "after:"),
        ("favorite:maybe", "favorite:"),
        ("type:gif", "type:"),
        ("near:91,0", "latitude"),
        ("near:1,2,3,4", "near:"),
        ("near:1,2,-5", "radius"),
        ("near:abc", "near:"),
        ("label:", "needs a value"),
        ("album:#x", "album:#ID"),
        ('ab"cd', "quotes"),
        ("x " * 30, "too many terms"),
        ("x" * 501, "too long"),
    ],
)
def test_bad_queries_have_readable_reasons(text: str, reason: str) -> None:
    with pytest.raises(QueryError, match=reason):
        parse_query(text)


def test_not_text_is_refused() -> None:
    with pytest.raises(QueryError):
        parse_query(None)  # type: ignore[arg-type]
