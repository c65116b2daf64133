"""A folder exported from Apple Photos ("Export Unmodified Original" with "Export IPTC as
XMP", issue 22): its sidecars are named NAME.xmp, not NAME.EXT.xmp; the import reads them,
so titles, descriptions, keywords, places, dates and ratings come through, and the
library keeps the sidecar beside its copy."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from test_takeout_import import _bare, _by_name, shoebox


def test_an_apple_photos_export_keeps_its_xmp_facts(corpus: Path, tmp_path: Path) -> None:
    export = tmp_path / "Apple export"
    export.mkdir()
    photo = sorted((corpus / "exif").rglob("*.jpg"))[0]
    _bare(photo, export / "IMG_1234.jpg", "apple")
    subprocess.run(
        [
            "exiftool", "-q", "-o", str(export / "IMG_1234.xmp"),
            "-XMP-dc:Title=Lighthouse", "-XMP-dc:Description=At dusk on the point",
            "-XMP-dc:Subject=lighthouse", "-XMP-dc:Subject=Brittany",
            "-XMP-photoshop:DateCreated=2018:08:14 19:45:00+02:00",
            "-XMP-exif:GPSLatitude=48.3630", "-XMP-exif:GPSLongitude=-4.7700",
            "-XMP-xmp:Rating=5",
        ],
        check=True,
    )  # fmt: skip
    before = sorted(p.name for p in export.iterdir())
    library = tmp_path / "library"
    result = shoebox(library, "import", str(export))
    assert "1 added" in result.stdout, result.stdout + result.stderr
    [one] = json.loads(shoebox(library, "export").stdout)
    assert one["title"] == "Lighthouse" and one["description"] == "At dusk on the point"
    assert one["taken_at"].startswith("2018-08-14T19:45:00"), one["taken_at"]
    assert (round(one["latitude"], 2), round(one["longitude"], 2)) == (48.36, -4.77)
    assert one["favorite"] is True
    assert {"lighthouse", "brittany"} <= {label["name"] for label in one["labels"]}
    stored = Path(one["files"][0]["path"])
    assert stored.with_name(stored.name + ".xmp").is_file()  # the library keeps it
    assert sorted(p.name for p in export.iterdir()) == before  # copied, not moved
    assert "IMG_1234.jpg" in _by_name([one])
