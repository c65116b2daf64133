"""Search that understands a family: bare dates, OR, first names, counts, suggestions and
empty states; on the real little library of web_fixtures."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from web_fixtures import Built

from appliance.catalog.models import Photo
from appliance.search.query import QueryError, Term, parse_query

CHELSEA, CAT_HEIC = "misc/skimage/chelsea.jpg", "heif/pillow_heif/cat.hif"
CARS = "misc/dlib/mmod_cars_test_image.jpg"
BIDEN, TWO = "faces/face_recognition/biden.jpg", "faces/face_recognition/two_people.jpg"
OBAMA = "faces/face_recognition/obama.jpg"


def kinds(text: str) -> list[tuple[str, object]]:
    return [(t.kind, t.value) for t in parse_query(text).terms]


def test_bare_years_months_and_days_become_date_terms() -> None:
    assert kinds("2019") == [("year", 2019)]
    assert kinds("july 2019") == [("month", 7), ("year", 2019)]
    assert kinds("Jul 2019") == [("month", 7), ("year", 2019)]
    assert kinds("2019-07") == [("month", 7), ("year", 2019)]
    assert kinds("2019-07-04") == [("after", dt.date(2019, 7, 4)), ("before", dt.date(2019, 7, 5))]
    # not dates: a lone month name (May, June are names too), numbers out of range, codes
    assert kinds("june") == [("word", "june")]
    assert kinds("12345 1700 2019-13") == [("word", "12345"), ("word", "1700"), ("word", "2019-13")]
    assert kinds("-2019") == [("word", "2019")] or parse_query("-2019").terms[0].negated
    assert str(parse_query("beach july 2019")) == "beach month:7 year:2019"


def test_or_joins_alternatives_into_one_term() -> None:
    (term,) = parse_query("label:car OR label:dog").terms
    assert term.kind == "or" and [(t.kind, t.value) for t in term.value] == [
        ("label", "car"),
        ("label", "dog"),
    ]
    assert all(isinstance(t, Term) for t in term.value)
    assert str(parse_query("label:car OR -year:2020 cat")) == "label:car OR -year:2020 cat"
    assert kinds("cats or dogs") == [("word", "cats"), ("word", "or"), ("word", "dogs")]
    for bad in ("OR label:car", "label:car OR", "a OR OR b"):
        with pytest.raises(QueryError, match="OR needs something on both sides"):
            parse_query(bad)


def ids(client: FlaskClient, q: str) -> set[int]:
    response = client.get("/api/v1/photos", query_string={"q": q, "limit": 200})
    assert response.status_code == 200, response.json
    return {p["id"] for p in response.json["items"]}


def test_bare_dates_find_what_the_filters_find(member: FlaskClient, web: Built) -> None:
    assert ids(member, "2023") == ids(member, "year:2023") and ids(member, "2023")
    assert ids(member, "june 2023") == {web.photo_ids[CHELSEA]} == ids(member, "2023-06")
    assert ids(member, "2023-06-12") == {web.photo_ids[CHELSEA]}
    assert ids(member, "2023-06-13") == set()


def test_or_is_never_silently_empty(member: FlaskClient, web: Built) -> None:
    cars, cats = ids(member, "label:car"), ids(member, "label:cat")
    assert cars and cats
    assert ids(member, "label:car OR label:cat") == cars | cats
    assert ids(member, "label:car OR label:cat type:heic") == {web.photo_ids[CAT_HEIC]}
    assert ids(member, "label:car OR -label:car") == ids(member, "")


def test_first_names_and_parts_of_names_find_the_person(member: FlaskClient, web: Built) -> None:
    biden = {web.photo_ids[BIDEN], web.photo_ids[TWO]}
    assert ids(member, "person:Joe") == biden
    assert ids(member, "person:biden") == biden
    assert ids(member, 'person:"joe biden"') == biden
    assert ids(member, "joe") == biden
    assert ids(member, "person:Jo") == set()  # whole words only: "Jo" is not "Joe"


def test_partial_names_on_the_corpus_people(member: FlaskClient, web: Built) -> None:
    """The issue's own example: person:Barack finds "Barack Obama"; plain barack too."""
    h = {"X-CSRF-Token": member.get("/people").text.split('csrf-token" content="')[1][:43]}
    renamed = member.patch(
        f"/api/v1/people/{web.obama_id}", json={"name": "Barack Obama"}, headers=h
    )
    assert renamed.status_code == 200, renamed.json
    obama = {web.photo_ids[OBAMA], web.photo_ids[TWO]}
    assert ids(member, "person:Barack") == obama
    assert ids(member, "barack") == obama
    assert ids(member, "person:Obama OR person:Joe") == obama | {web.photo_ids[BIDEN]}


def test_search_page_counts_and_suggests_what_to_try(member: FlaskClient, web: Built) -> None:
    page = member.get("/search", query_string={"q": "2023"})
    assert page.status_code == 200
    expected = Photo.select().where(Photo.id.in_(ids(member, "year:2023"))).count()
    assert f">{expected} photos" in page.text
    # what it understood, in words: the filter language is not shown to the family
    assert "<h1>In 2023</h1>" in page.text and "year:2023" not in page.text
    empty = member.get("/search", query_string={"q": "bidenn"})  # a typo
    assert empty.status_code == 200 and ">0 photos" in empty.text
    assert 'id="search-tips"' in empty.text and "july 2019" in empty.text
    assert "Joe Biden <small>person" in empty.text  # the name that starts like the typo


def test_suggest_offers_labels_people_places_cameras(member: FlaskClient, web: Built) -> None:
    def suggest(q: str) -> list[dict]:
        response = member.get("/api/v1/search/suggest", query_string={"q": q})
        assert response.status_code == 200
        return response.json["suggestions"]

    people = suggest("jo")
    assert {
        "kind": "person",
        "text": "Joe Biden",
        "query": 'person:"Joe Biden"',
        "count": 2,
    } in people
    assert any(s["kind"] == "person" for s in suggest("bid"))  # a word inside the name
    assert any(s["kind"] == "label" and s["text"] == "cat" for s in suggest("ca"))
    assert all(s["kind"] == "label" for s in suggest("label:ca"))
    assert any(s["kind"] == "camera" for s in suggest("nik"))
    place = Photo.get_by_id(web.photo_ids["exif/exif-samples/gps/DSCN0010.jpg"])
    if place.place_city:
        assert any(s["kind"] == "place" for s in suggest(place.place_city[:3]))
    assert suggest("") == [] and suggest("zzzzqq") == [] and suggest("bogus:x") == []
    # every suggestion finds what it says it finds
    for s in suggest("c") + people:
        assert len(ids(member, s["query"])) >= 1, s


def test_suggest_needs_a_login(app, web: Built) -> None:  # noqa: ANN001
    assert app.test_client().get("/api/v1/search/suggest?q=jo").status_code == 401


def test_kinds_of_media_in_plain_words() -> None:
    """A family types "videos" or "live photos", not type:video (issue 27)."""
    assert kinds("videos") == [("type", "video")] == kinds("Video") == kinds("movies")
    assert kinds("clips from 2019") == [("type", "video"), ("word", "from"), ("year", 2019)]
    assert kinds("live photos") == [("type", "live")] == kinds("Live Photo")
    assert kinds("live music") == [("word", "live"), ("word", "music")]
    assert [t.negated for t in parse_query("-videos").terms] == [True]
    assert str(parse_query("beach videos")) == "beach type:video"


def test_plain_words_find_labels_only_where_the_classifier_was_fairly_sure(
    member: FlaskClient, web: Built
) -> None:
    """A label the classifier gave with little confidence (below SURE_FOR_WORDS) is a wrong
    neighbour more often than not ("beach" under an airplane's wing): a plain word does not
    find it, ``label:`` still does, and a label the family added always counts."""
    from appliance.catalog.labels import add_manual_label
    from appliance.catalog.models import Label, PhotoLabel
    from appliance.catalog.queries import SURE_FOR_WORDS

    rows = list(
        PhotoLabel.select(PhotoLabel, Label).join(Label).where(PhotoLabel.removed == False)  # noqa: E712
    )
    unsure = [r for r in rows if r.confidence < SURE_FOR_WORDS]
    sure = [r for r in rows if r.confidence >= SURE_FOR_WORDS]
    assert unsure and sure, "the fixture's real labels have both kinds"
    for row in unsure:
        name = row.label.name
        assert row.photo_id in ids(member, f'label:"{name}"'), name
        others = {r.photo_id for r in sure if r.label.name == name}
        assert row.photo_id not in ids(member, f'"{name}"') - others, (name, row.confidence)
    for row in sure:
        assert row.photo_id in ids(member, f'"{row.label.name}"'), row.label.name
    weak = unsure[0]
    add_manual_label(weak.photo_id, weak.label.name)  # the family says so: it counts
    assert weak.photo_id in ids(member, f'"{weak.label.name}"')


def test_a_category_word_finds_the_labels_filed_under_it(member: FlaskClient, web: Built) -> None:
    """ "snow" finds a photo the classifier called "ski" (filed under snow and sport in the
    shipped rules), "animal" both cats; a category name is never a LIKE pattern."""
    from appliance.catalog.labels import save_model_labels
    from appliance.vision.label_rules import Label as Found
    from appliance.vision.label_rules import LabelRules

    rules = {r.label: r for r in LabelRules.load().rules if r.label}
    assert "snow" in rules["ski"].categories and "animal" in rules["cat"].categories
    photo = web.photo_ids[CARS]
    assert photo not in ids(member, "snow")
    save_model_labels(photo, [Found("ski", 0.6, tuple(rules["ski"].categories))])
    assert photo in ids(member, "snow") and photo in ids(member, "ski")
    assert photo not in ids(member, "sport snow animal")
    animals = ids(member, "animal")
    assert web.photo_ids[CHELSEA] in animals and web.photo_ids[CAT_HEIC] in animals
    assert photo not in ids(member, "%") and photo not in ids(member, "label:_no_")
