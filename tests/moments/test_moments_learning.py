"""Learning what a family keeps, the hash index, events and best-of selection (pure parts)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from moments_helpers import blurred, over_exposed, sharp, under_exposed
from PIL import Image

from appliance.moments.bestof import Candidate, best_of
from appliance.moments.events import Moment, split_events
from appliance.moments.features import measure_image
from appliance.moments.hashindex import MAX_RADIUS, MultiIndex
from appliance.moments.learn import MIN_LABELS, learn
from appliance.moments.phash import hamming

SOURCES = [
    "misc/skimage/chelsea.jpg",
    "misc/skimage/coffee.jpg",
    "misc/dlib/giraffe.jpg",
    "misc/dlib/eagle.jpg",
    "misc/dlib/mmod_cars_test_image.jpg",
    "misc/immich/albums/nature/prairie_falcon.jpg",
    "exif/exif-samples/gps/DSCN0010.jpg",
    "exif/exif-samples/gps/DSCN0021.jpg",
    "faces/face_recognition/obama.jpg",
    "faces/face_recognition/biden.jpg",
    "faces/face_recognition/two_people.jpg",
    "exif/photoprism/IMG_4120.JPG",
]
TRANSFORMS = {"sharp": sharp, "blurred": blurred, "under": under_exposed, "over": over_exposed}


@pytest.fixture(scope="module")
def measured(corpus: Path) -> list[tuple[str, dict[str, float]]]:
    """(transform, features) of every corpus source under every transform, at grid size,
    in four crops each (distinct pictures)."""
    out = []
    for source in SOURCES:
        with Image.open(corpus / source) as image:
            image = image.convert("RGB")
            image.thumbnail((400, 400))
        w, h = image.size
        for crop in ((0, 0, w, h), (0, 0, w * 3 // 4, h), (w // 4, 0, w, h), (0, h // 4, w, h)):
            part = image.crop(crop)
            for name, transform in TRANSFORMS.items():
                out.append((name, measure_image(transform(part)).features))
    return out


def test_learned_model_beats_hand_weights_on_a_family_that_likes_bright_photos(
    measured: list[tuple[str, dict[str, float]]],
) -> None:
    """A family that keeps the bright (over-exposed) frames and drops the sharp ones: the
    hand weights rank against them; the learned model, evaluated on held-out labels, does
    not."""
    rng = random.Random(7)
    labelled = [
        (f, 1 if name == "over" else 0)
        for name, f in measured
        if name in ("over", "sharp") and rng.random() < 0.8
    ]
    model, report = learn(labelled, [f for _, f in measured])
    print("\nlearning report (family keeps bright frames):", report.as_dict())
    assert model is not None and report.enough and report.in_use
    assert report.held_out >= 0.2 * len(labelled)
    assert report.auc_learned is not None and report.auc_hand is not None
    assert report.auc_learned >= 0.8 and report.auc_learned > report.auc_hand + 0.3
    assert report.ranking_spearman is not None and report.ranking_spearman < 0.9


def test_learned_model_agrees_with_a_family_that_keeps_sharp_photos(
    measured: list[tuple[str, dict[str, float]]],
) -> None:
    labelled = [(f, 1 if name == "sharp" else 0) for name, f in measured]
    model, report = learn(labelled, [f for _, f in measured])
    print("\nlearning report (family keeps sharp frames):", report.as_dict())
    assert model is not None
    assert report.auc_hand is not None and report.auc_hand >= 0.8
    assert report.auc_learned is not None and report.auc_learned >= 0.8


def test_too_few_decisions_keep_the_hand_weights(
    measured: list[tuple[str, dict[str, float]]],
) -> None:
    few = [(f, int(name == "sharp")) for name, f in measured[: MIN_LABELS - 1]]
    model, report = learn(few)
    assert model is None and not report.enough and report.labels == MIN_LABELS - 1


def test_multi_index_finds_exactly_what_a_full_scan_finds() -> None:
    rng = random.Random(3)
    hashes = [rng.getrandbits(64) for _ in range(3000)]
    # near copies: flip up to MAX_RADIUS bits of some of them
    for i in range(500):
        base = hashes[i]
        for bit in rng.sample(range(64), rng.randint(0, MAX_RADIUS)):
            base ^= 1 << bit
        hashes.append(base)
    index = MultiIndex()
    for key, value in enumerate(hashes):
        index.add(key, value)
    for query in rng.sample(range(len(hashes)), 200):
        for radius in (4, 8, MAX_RADIUS):
            expected = {k for k, v in enumerate(hashes) if hamming(hashes[query], v) <= radius}
            assert {k for k, _ in index.near(hashes[query], radius)} == expected
    with pytest.raises(ValueError):
        index.near(0, MAX_RADIUS + 1)


def test_events_split_at_time_gaps_and_places() -> None:
    t = dt.datetime(2023, 7, 14, 10)
    moments = [
        Moment(1, t, 48.85, 2.35, "Paris"),
        Moment(2, t + dt.timedelta(hours=2), 48.86, 2.34, "Paris"),
        Moment(3, t + dt.timedelta(hours=3), 45.76, 4.83, "Lyon"),  # moved 390 km
        Moment(4, t + dt.timedelta(days=2), None, None, None),  # long gap
    ]
    events = split_events(moments)
    assert [e.photo_ids for e in events] == [[1, 2], [3], [4]]
    assert [e.title for e in events] == [
        "Paris, 14 July 2023",
        "Lyon, 14 July 2023",
        "16 July 2023",
    ]


def test_best_of_covers_distinct_moments_and_important_people() -> None:
    t = dt.datetime(2023, 7, 14, 10)
    burst = [Candidate(i, t + dt.timedelta(seconds=i), 0.9 - i / 100, stack_id=1) for i in range(5)]
    burst += [Candidate(10 + i, t + dt.timedelta(seconds=10 + i), 0.8) for i in range(3)]
    lunch = [Candidate(20, t + dt.timedelta(hours=2), 0.5)]
    grandma = [
        Candidate(30, t + dt.timedelta(hours=5), 0.4, people={7}),
        Candidate(31, t + dt.timedelta(hours=5, minutes=1), 0.55),
    ]
    chosen = best_of(burst + lunch + grandma, 3, importance={7: 1.0})
    assert chosen == [0, 20, 30]  # one per moment; the stack gives only its best; grandma wins
    assert len(best_of(burst + lunch + grandma, 100)) == 1 + 3 + 1 + 2


def test_bulk_similar_pairs_match_a_full_scan() -> None:
    from appliance.moments.hashindex import similar_pairs

    rng = random.Random(11)
    hashes = [rng.getrandbits(64) for _ in range(2000)]
    for i in range(400):
        value = hashes[i]
        for bit in rng.sample(range(64), rng.randint(0, 9)):
            value ^= 1 << bit
        hashes.append(value)
    a, b = similar_pairs(hashes, 8)
    found = set(zip(a.tolist(), b.tolist(), strict=True))
    expected = {
        (i, j)
        for i in range(len(hashes))
        for j in range(i + 1, len(hashes))
        if hamming(hashes[i], hashes[j]) <= 8
    }
    assert found == expected and len(expected) > 300
