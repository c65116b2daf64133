"""Screenshots and documents the stacker took for one picture are told apart by their text
(appliance.text.same_picture, catalog.photo_text): with the real pipeline and the real
text reader on the judged pictures."""

from __future__ import annotations

import shutil

import pytest
from PIL import Image
from text_fixtures import PICTURES

from appliance.catalog.models import Photo
from appliance.config import Settings
from appliance.ingest.runner import Ingestor
from appliance.library import Library
from appliance.records import FileTask
from appliance.text.background import TextBackground
from appliance.text.kinds import DOCUMENT, SCREENSHOT
from appliance.text.same_picture import differ

CHAT = "IMG_20240601_ChatExport.jpg"  # two screenshots of one app: hashes 6 bits apart
OTHER_SCREEN = "Screenshot_20240512-101112.png"
WIFI = "Screenshot_20231103-075501.png"
WIFI_COPY = "wifi-copy.jpg"  # the same screenshot, smaller and re-encoded (as sent on)


def test_two_readings_differ_when_fewer_than_half_their_words_are_shared() -> None:
    assert differ(SCREENSHOT, "Mum: dinner at seven, bring bread", SCREENSHOT, "Gate B22 Seat 14C")
    assert not differ(SCREENSHOT, "Wi-Fi password Rosebud 2024", None, "Wi-Fi password Rosebud")
    assert differ(DOCUMENT, "TOTAL 17.30 VAT cash", None, "Dear Mr Brown, your appointment")


def test_pictures_that_are_neither_or_say_too_little_keep_the_stackers_answer() -> None:
    assert not differ(None, "STOP", None, "Main Street parking")  # a burst of a street
    assert not differ(SCREENSHOT, "12:04", SCREENSHOT, "")  # a screen with a clock only


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Library, dict[str, int]]:
    root = tmp_path_factory.mktemp("text-stacks")
    folder = root / "import"
    folder.mkdir()
    for name in (CHAT, OTHER_SCREEN, WIFI):
        shutil.copyfile(PICTURES / name, folder / name)
    with Image.open(PICTURES / WIFI) as wifi:
        small = wifi.convert("RGB")
        small.thumbnail((wifi.width * 3 // 4, wifi.height * 3 // 4))
        small.save(folder / WIFI_COPY, quality=80)
    settings = Settings(
        library=root / "library", setup_file=root / "none.toml", workers=2,
        labels=False, faces=False,
    )  # fmt: skip
    names = [CHAT, OTHER_SCREEN, WIFI, WIFI_COPY]
    with Ingestor(settings) as ingestor:
        outcomes = ingestor.process([FileTask(folder / n, "import", "copy") for n in names])
    ids = {o.task.path.name: o.photo_id for o in outcomes}
    assert len(set(ids.values())) == 4, [(o.task.path.name, o.status) for o in outcomes]
    return Library(settings.library_root), ids


def _stack(photo_id: int) -> int | None:
    return Photo.get_by_id(photo_id).stack_id


def test_the_reading_takes_a_different_screenshot_out_of_the_stack_and_keeps_a_copy(
    imported: tuple[Library, dict[str, int]],
) -> None:
    library, ids = imported
    # the stacker alone: both pairs look alike
    assert _stack(ids[CHAT]) is not None and _stack(ids[CHAT]) == _stack(ids[OTHER_SCREEN])
    assert _stack(ids[WIFI]) is not None and _stack(ids[WIFI]) == _stack(ids[WIFI_COPY])
    reader = TextBackground(library.cache)
    assert reader.run_all() == 4 and not reader.unavailable
    reader.close()
    assert _stack(ids[CHAT]) is None and _stack(ids[OTHER_SCREEN]) is None
    assert Photo.get_by_id(ids[CHAT]).unstacked or Photo.get_by_id(ids[OTHER_SCREEN]).unstacked
    assert _stack(ids[WIFI]) is not None and _stack(ids[WIFI]) == _stack(ids[WIFI_COPY])
