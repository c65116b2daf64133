"""Planning a Takeout (appliance.migrate.takeout_plan): the same bytes under the same name
are one photo in several folders; the same bytes under another name are another item."""

from __future__ import annotations

import zipfile
from pathlib import Path

from appliance.migrate import takeout_plan

ROOT = "Takeout/Google Photos"


def test_the_same_bytes_are_one_item_per_name(tmp_path: Path) -> None:
    archive = tmp_path / "takeout-20240101T000000Z-001.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr(f"{ROOT}/Photos from 2020/IMG_1.jpg", b"same bytes")
        out.writestr(f"{ROOT}/Holiday/IMG_1.jpg", b"same bytes")  # the album's copy
        out.writestr(f"{ROOT}/Photos from 2020/IMG_1(1).jpg", b"same bytes")  # saved twice
        out.writestr(f"{ROOT}/Beach/IMG_1(1).jpg", b"same bytes")
        out.writestr(f"{ROOT}/Photos from 2020/IMG_2.jpg", b"other bytes")
        out.writestr(f"{ROOT}/Holiday/metadata.json", b'{"title": "Holiday"}')
        out.writestr(f"{ROOT}/Beach/metadata.json", b'{"title": "Beach"}')
    found = takeout_plan.plan([archive])
    items = {item.first.name.rpartition("/")[2]: item for item in found.items}
    assert sorted(items) == ["IMG_1(1).jpg", "IMG_1.jpg", "IMG_2.jpg"]
    assert (items["IMG_1.jpg"].copies, items["IMG_1.jpg"].albums) == (2, [f"{ROOT}/Holiday"])
    assert (items["IMG_1(1).jpg"].copies, items["IMG_1(1).jpg"].albums) == (2, [f"{ROOT}/Beach"])
    assert (items["IMG_2.jpg"].copies, items["IMG_2.jpg"].albums) == (1, [])
