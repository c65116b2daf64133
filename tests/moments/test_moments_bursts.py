"""Bursts made from corpus photos (sharp, blurred, under- and over-exposed frames, a second
apart) become one stack whose best shot is the sharp frame; the user's choice of cover and
unstacking survive new photos arriving and a regrouping."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from ingest_helpers import ingest, quick_settings
from moments_helpers import blurred, over_exposed, sharp, under_exposed, write_shot

from appliance.catalog import stacks
from appliance.catalog.models import File, Photo, Stack

SCENES = [
    "misc/skimage/chelsea.jpg",
    "misc/skimage/coffee.jpg",
    "exif/exif-samples/gps/DSCN0010.jpg",
    "misc/dlib/giraffe.jpg",
    "faces/face_recognition/two_people.jpg",
]
FRAMES = {"sharp": sharp, "blurred": blurred, "under": under_exposed, "over": over_exposed}


def _photo(name: str) -> Photo:
    return Photo.get_by_id(File.get(File.original_name == name).photo_id)


@pytest.fixture(scope="module")
def bursts(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bursts")
    folder = root / "card"
    for scene_index, scene in enumerate(SCENES):
        order = list(FRAMES)
        random.Random(scene_index).shuffle(order)  # the sharp frame is not always first
        for second, frame in enumerate(order):
            write_shot(
                corpus / scene,
                folder / f"s{scene_index}_{frame}.jpg",
                f"2024:05:0{scene_index + 1} 10:00:{second:02d}",
                FRAMES[frame],
            )
    ingest(quick_settings(root / "library"), folder, policy="copy")
    return root


def test_each_burst_is_one_stack_and_its_best_is_the_sharp_frame(bursts: Path) -> None:
    print()
    for scene_index, scene in enumerate(SCENES):
        photos = {frame: _photo(f"s{scene_index}_{frame}.jpg") for frame in FRAMES}
        stack_ids = {p.stack_id for p in photos.values()}
        assert len(stack_ids) == 1 and None not in stack_ids, (scene, stack_ids)
        stack = Stack.get_by_id(stack_ids.pop())
        qualities = {frame: round(p.quality, 3) for frame, p in photos.items()}
        best = next(f for f, p in photos.items() if p.id == stack.best_photo_id)
        print(f"  {scene}: best={best} quality={qualities}")
        assert best == "sharp", qualities
        assert stack.size == len(FRAMES)
        shown = [f for f, p in photos.items() if not p.stack_hidden]
        assert shown == ["sharp"]
    # different scenes never share a stack
    assert Stack.select().count() == len(SCENES)


def test_users_cover_and_unstack_are_kept(bursts: Path, corpus: Path) -> None:
    blurry = _photo("s0_blurred.jpg")
    stack_id = blurry.stack_id
    stacks.choose_cover(stack_id, blurry.id)
    assert Stack.get_by_id(stack_id).best_photo_id == blurry.id
    over = _photo("s0_over.jpg")
    stacks.unstack_photo(over.id)
    # a new frame of the same burst arrives, then everything is regrouped
    write_shot(corpus / SCENES[0], bursts / "more" / "s0_late.jpg", "2024:05:01 10:00:09", sharp)
    ingest(quick_settings(bursts / "library"), bursts / "more", policy="copy")
    stacks.regroup_all()
    late = _photo("s0_late.jpg")
    assert late.stack_id == stack_id
    stack = Stack.get_by_id(stack_id)
    assert stack.best_photo_id == blurry.id and stack.cover_photo_id == blurry.id
    assert Photo.get_by_id(over.id).stack_id is None and Photo.get_by_id(over.id).unstacked
    assert not Photo.get_by_id(blurry.id).stack_hidden and late.stack_hidden


def test_family_decisions_become_labels_and_switch_to_the_learned_model(bursts: Path) -> None:
    from appliance.catalog import keeps
    from appliance.catalog.trash import trash_photos
    from appliance.library import Library

    library = Library(bursts / "library")
    favourites = [_photo(f"s{i}_sharp.jpg").id for i in range(1, len(SCENES))]
    Photo.update(favorite=True).where(Photo.id.in_(favourites)).execute()
    dropped = [_photo(f"s{i}_{f}.jpg").id for i in range(1, len(SCENES)) for f in ("under",)]
    trash_photos(library, dropped)
    report = keeps.relearn()
    print("\nfew decisions:", report.as_dict())
    assert not report.enough and stacks.current_model() is None
    trash_photos(library, [_photo(f"s{i}_blurred.jpg").id for i in range(1, len(SCENES))])
    trash_photos(library, [_photo(f"s{i}_over.jpg").id for i in range(1, len(SCENES))])
    Photo.update(favorite=True).where(
        Photo.id.in_([_photo("s0_sharp.jpg").id, _photo("s0_late.jpg").id])
    ).execute()
    report = keeps.relearn()
    print("enough decisions:", report.as_dict())
    assert report.enough and report.labels >= 20
    # the learned model is used only when it ranks the held-out decisions no worse
    assert report.in_use == (report.auc_learned >= report.auc_hand)
    assert (stacks.current_model() is not None) == report.in_use
    # the user's cover choice still wins over the learned ranking
    blurry = _photo("s0_blurred.jpg")
    assert Stack.get_by_id(blurry.stack_id).best_photo_id == blurry.id
