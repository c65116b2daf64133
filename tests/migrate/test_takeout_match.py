"""Which JSON describes which photo in a Takeout (issue 22): every quirk alone."""

from __future__ import annotations

import pytest

from appliance.migrate.takeout_facts import FactsError, parse_album, parse_facts
from appliance.migrate.takeout_match import Matcher

F = "Takeout/Google Photos/Photos from 2019"


@pytest.mark.parametrize(
    ("photo", "json"),
    [
        ("IMG_1.jpg", "IMG_1.jpg.json"),
        ("IMG_1.jpg", "IMG_1.jpg.supplemental-metadata.json"),
        ("IMG_1(2).jpg", "IMG_1.jpg(2).json"),
        ("IMG_1(2).jpg", "IMG_1.jpg.supplemental-metadata(2).json"),
        ("IMG_1.jpg", "IMG_1.json"),
        ("IMG_1-edited.jpg", "IMG_1.jpg.json"),
        ("IMG_1-bearbeitet.jpg", "IMG_1.jpg.supplemental-metadata.json"),
        ("IMG_1-modifié.jpg", "IMG_1.jpg.json"),
        ("IMG_1.MOV", "IMG_1.HEIC.json"),
        ("PXL_20230518_200433405.MP", "PXL_20230518_200433405.MP.jpg.json"),
        ("PXL_20230518_200433405.jpg", "PXL_20230518_200433405.jpg.supplemental-metad.json"),
        ("PXL_20230518_200433405.jpg", "PXL_20230518_200433405.jpg.supplemental-meta.json"),
        ("PXL_20230518_200433405.jpg", "PXL_20230518_200433405.jpg.supp.json"),
        ("a" * 60 + ".jpg", "a" * 46 + ".json"),
        ("b" * 40 + ".jpeg", ("b" * 40 + ".jpeg.supplemental-metadata")[:46] + ".json"),
    ],
)
def test_each_quirk_finds_its_json(photo: str, json: str) -> None:
    media = [f"{F}/{photo}"] + ([f"{F}/IMG_1.HEIC"] if photo == "IMG_1.MOV" else [])
    if photo.endswith(".MP"):
        media.append(f"{F}/PXL_20230518_200433405.MP.jpg")
    matcher = Matcher([f"{F}/{json}", f"{F}/metadata.json"], media)
    assert matcher.json_for(f"{F}/{photo}") == f"{F}/{json}"


def test_no_guessing_across_folders_or_between_look_alikes() -> None:
    matcher = Matcher(
        [f"{F}/IMG_1.jpg.json", "Takeout/Google Photos/Album/IMG_2.jpg.json"],
        [f"{F}/IMG_1.jpg", f"{F}/IMG_2.jpg", f"{F}/IMG_10.jpg"],
    )
    assert matcher.json_for(f"{F}/IMG_2.jpg") is None  # its JSON is in another folder
    assert matcher.json_for(f"{F}/IMG_10.jpg") is None  # IMG_1's JSON is not IMG_10's
    assert matcher.json_for(f"{F}/IMG_1.jpg") == f"{F}/IMG_1.jpg.json"


def test_counters_are_not_mixed_up() -> None:
    jsons = [f"{F}/IMG_1.jpg.json", f"{F}/IMG_1.jpg(1).json", f"{F}/IMG_1.jpg(2).json"]
    media = [f"{F}/IMG_1.jpg", f"{F}/IMG_1(1).jpg", f"{F}/IMG_1(2).jpg"]
    matcher = Matcher(jsons, media)
    assert [matcher.json_for(m) for m in media] == jsons


def test_a_live_photos_movie_finds_its_still_among_look_alikes() -> None:
    stills = ["IMG_1.HEIC", "IMG_10.HEIC", "IMG_1 .HEIC", "IMG_1-2.HEIC", "IMG_1.MP.jpg"]
    jsons = [f"{F}/{name}.supplemental-metadata.json" for name in ("IMG_10.HEIC", "IMG_1.HEIC")]
    movies = ["IMG_1.MOV", "IMG_10.MOV", "IMG_100.MOV", "IMG_1-2.MOV"]
    matcher = Matcher(jsons, [f"{F}/{name}" for name in stills + movies])
    found = {movie: matcher.json_for(f"{F}/{movie}") for movie in movies}
    assert found == {
        "IMG_1.MOV": f"{F}/IMG_1.HEIC.supplemental-metadata.json",
        "IMG_10.MOV": f"{F}/IMG_10.HEIC.supplemental-metadata.json",
        "IMG_100.MOV": None,  # no still of its own: IMG_10's is not its
        "IMG_1-2.MOV": None,  # its still has no JSON; IMG_1's is not its
    }


def test_facts_follow_the_rules() -> None:
    facts = parse_facts(
        b'{"photoTakenTime": {"timestamp": "1559390400"}, "geoData": {"latitude": 0.0,'
        b' "longitude": 0.0}, "geoDataExif": {"latitude": 48.85, "longitude": 2.35},'
        b' "description": " Eiffel ", "favorited": true, "people": [{"name": "Anna"},'
        b' {"name": "Anna"}, {"name": " "}]}'
    )
    assert facts.taken_at.isoformat() == "2019-06-01T12:00:00"
    assert (facts.latitude, facts.longitude) == (48.85, 2.35)  # 0,0 is unknown
    assert facts.description == "Eiffel" and facts.favorite and facts.people == ["Anna"]
    nowhere = parse_facts(b'{"geoData": {"latitude": 0, "longitude": 0}, "photoTakenTime": {}}')
    assert nowhere.latitude is None and nowhere.taken_at is None
    for bad in (b"{not json", b"[1, 2]", b"\xff\xfe", b"{" + b" " * 2_000_000 + b"}"):
        with pytest.raises(FactsError):
            parse_facts(bad)
    assert parse_album(b'{"title": "Kyoto", "description": "Spring"}', "x").title == "Kyoto"
    assert parse_album(b"garbage", "Folder name").title == "Folder name"
