"""An iCloud Photos download from Apple's privacy portal (issue 22): two parts, the CSV of
one part describing photos of the other, an album CSV; favourites, hidden and deleted
state, albums and dates come through."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from test_takeout_import import _bare, _by_name, shoebox

from appliance.migrate.icloud_plan import parse_date

DETAILS = "imgName,fileChecksum,favorite,hidden,deleted,originalCreationDate,viewCount,importDate"


def test_an_icloud_download_comes_home_with_its_csv_facts(corpus: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    photos = sorted((corpus / "exif").rglob("*.jpg"))[:3]
    bare = [_bare(p, work / f"{i}.jpg", f"icloud {i}") for i, p in enumerate(photos)]
    one, two = "iCloud Photos Part 1 of 2", "iCloud Photos Part 2 of 2"
    parts = {
        one: {
            f"{one}/Photos/IMG_0101.jpg": bare[0],
            f"{one}/Photos/IMG_0102.jpg": bare[1],
            f"{one}/Photos/Photo Details.csv": (
                f"{DETAILS}\n"
                "IMG_0101.jpg,abc,yes,no,no,Tuesday June 4,2019 9:34 AM GMT,3,x\n"
                'IMG_0102.jpg,abd,no,yes,no,"Wednesday June 5,2019 10:00 AM GMT",0,x\n'
                "IMG_0103.jpg,abe,no,no,yes,Thursday June 6,2019 11:15 PM GMT,0,x\n"
            ).encode(),
            f"{one}/Albums/Summer.csv": b"Images\nIMG_0101.jpg\nIMG_0103.jpg\n",
        },
        two: {
            f"{two}/Photos/IMG_0103.jpg": bare[2],
            f"{two}/Photos/Photo Details-1.csv": (
                f"{DETAILS}\nIMG_0999.jpg,zzz,no,no,no,Monday June 3,2019 9:00 AM GMT,0,x\n"
            ).encode(),
        },
    }
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    given = []
    for name, files in parts.items():
        with zipfile.ZipFile(downloads / f"{name}.zip", "w") as archive:
            for member, data in files.items():
                archive.writestr(member, data)
        given.append(downloads / f"{name}.zip")
    library = tmp_path / "library"
    result = shoebox(library, "import", *map(str, given))
    output = result.stdout + result.stderr
    assert "3 added" in result.stdout, output
    assert "IMG_0999.jpg" in output  # a row without its photo is reported
    named = _by_name(json.loads(shoebox(library, "export").stdout))
    assert named["IMG_0101.jpg"]["favorite"] is True
    assert named["IMG_0101.jpg"]["taken_at"].startswith("2019-06-04T09:34:00")
    assert [a["title"] for a in named["IMG_0101.jpg"]["albums"]] == ["Summer"]
    assert named["IMG_0102.jpg"]["archived"] is True
    assert named["IMG_0103.jpg"]["trashed_at"] is not None
    assert named["IMG_0103.jpg"]["taken_at"].startswith("2019-06-06T23:15:00")
    status = shoebox(library, "status").stdout
    assert "migration: iCloud Photos (2 archives or folders): finished" in status


def test_apples_date_format() -> None:
    assert parse_date("Tuesday June 4,2019 9:34 AM GMT").isoformat() == "2019-06-04T09:34:00"
    assert parse_date("Tuesday  June 4, 2019 12:05 PM GMT").isoformat() == "2019-06-04T12:05:00"
    assert parse_date("yesterday") is None and parse_date("") is None
