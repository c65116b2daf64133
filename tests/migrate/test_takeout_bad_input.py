"""A Takeout that is not what it should be (issue 22): each bad file fails alone with its
reason, the rest comes home, nothing is written outside the library, sources stay as
they were; and the other shapes of an export (tgz, the extracted folder) work the same."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

from test_takeout_import import ROOT, Export, _by_name, shoebox

from appliance.migrate.export_import import _Record


def _zip(path: Path, files: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def test_broken_members_and_parts_fail_alone(corpus: Path, tmp_path: Path) -> None:
    export = Export(corpus, tmp_path / "work")
    files = dict(export.parts[1])
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    first = _zip(downloads / "takeout-20261204T000000Z-001.zip", files)
    # a member whose bytes no longer match its CRC-32 (a bad sector, a cut download)
    raw = bytearray(first.read_bytes())
    victim = files[f"{ROOT}/Photos from 2019/IMG_0004.jpg"]
    at = raw.index(victim) + len(victim) // 2
    raw[at] ^= 0xFF
    first.write_bytes(bytes(raw))
    # a zip bomb among the photos, in a part of its own
    bomb = downloads / "takeout-20261204T000000Z-003.zip"
    _zip(bomb, {f"{ROOT}/Photos from 2019/bomb.jpg": b"\0" * (70 * 2**20)}, zipfile.ZIP_DEFLATED)
    # a part cut short (its central directory gone): part 4
    cut = downloads / "takeout-20261204T000000Z-004.zip"
    whole = _zip(tmp_path / "whole.zip", export.parts[2]).read_bytes()
    cut.write_bytes(whole[: len(whole) // 2])
    given = [first, bomb, cut]  # part 2 is missing

    library = tmp_path / "library"
    result = shoebox(library, "import", *map(str, given))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "IMG_0004.jpg" in output and "cannot read from archive" in output
    assert "bomb.jpg" in output and "zip bomb" in output
    assert "takeout-20261204T000000Z-004.zip" in output and "cannot read the archive" in output
    assert "takeout-20261204T000000Z-002" in output and "not given" in output
    named = _by_name(json.loads(shoebox(library, "export").stdout))
    assert "IMG_0004.jpg" not in named and "bomb.jpg" not in named
    assert {"IMG_0001.jpg", "IMG_0003.jpg", "IMG_4102.HEIC"} <= set(named)
    staging = library / "uploads" / ".export"
    assert not staging.exists() or not any(p.is_file() for p in staging.rglob("*"))
    again = shoebox(library, "import", *map(str, given))  # what could not be read is tried again
    assert "cannot read from archive" in again.stdout and "done by an earlier run" in again.stdout


def test_a_tgz_export_and_an_extracted_folder_come_home_alike(corpus: Path, tmp_path: Path) -> None:
    export = Export(corpus, tmp_path / "work")
    tgz = tmp_path / "takeout-20261204T000000Z-001.tgz"
    with tarfile.open(tgz, "w:gz") as archive:
        for part in export.parts.values():
            for name, data in part.items():
                member = tarfile.TarInfo(name)
                member.size = len(data)
                archive.addfile(member, io.BytesIO(data))
    folder = tmp_path / "extracted"
    for part in export.parts.values():
        for name, data in part.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
    for given in (tgz, folder / "Takeout"):
        library = tmp_path / f"library-{given.name}"
        result = shoebox(library, "import", str(given))
        assert "13 added" in result.stdout, result.stdout + result.stderr
        named = _by_name(json.loads(shoebox(library, "export").stdout))
        assert named["IMG_0009.jpg"]["taken_at"].startswith("2020-05-31T12:00:00")
        assert [a["title"] for a in named["IMG_0001.jpg"]["albums"]] == ["Trip to Kyoto"]
    assert (folder / f"{ROOT}/Photos from 2019/IMG_0001.jpg").is_file()  # only read


def test_a_cut_run_resumes_after_its_last_finished_batch(corpus: Path, tmp_path: Path) -> None:
    export = Export(corpus, tmp_path / "work")
    parts = export.write(tmp_path / "downloads")
    library = tmp_path / "library"
    record = _Record(library, [p.resolve() for p in parts])
    done = [f"{parts[0].name}:{ROOT}/Photos from 2019/IMG_0001.jpg"]
    record.add([(done[0], None)])  # as if a first run finished that batch before the cut
    result = shoebox(library, "import", *map(str, parts))
    assert "1 done by an earlier run" in result.stdout, result.stdout
    named = _by_name(json.loads(shoebox(library, "export").stdout))
    assert "IMG_0001.jpg" not in named and "IMG_0002(1).jpg" in named


def test_the_record_of_finished_items_reads_both_of_its_forms(tmp_path: Path) -> None:
    """Lines of a record written before photo ids were kept (the key alone) still count as
    finished; a key with a tab of its own is not cut in two."""
    source = tmp_path / "takeout-1.zip"
    source.write_bytes(b"")
    record = _Record(tmp_path / "library", [source])
    record.add([("a.zip:Photos/IMG_1.jpg", 7), ("a.zip:Photos/bad.jpg", None)])
    with record.path.open("a", encoding="utf-8") as out:
        out.write("a.zip:Photos/old.jpg\na.zip:Photos/odd\tname.jpg\n")
    assert record.done() == {
        "a.zip:Photos/IMG_1.jpg": 7,
        "a.zip:Photos/bad.jpg": None,
        "a.zip:Photos/old.jpg": None,
        "a.zip:Photos/odd\tname.jpg": None,
    }
