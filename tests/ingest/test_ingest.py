"""The ingest pipeline end to end, on real folders, real files and real worker processes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from ingest_helpers import export, ingest, make_jpeg, quick_settings, sha256

from appliance.catalog import models as m
from appliance.cli import main
from appliance.ingest.discover import is_ignored_name


@pytest.fixture(autouse=True)
def _vision_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads SHOEBOX_* settings; the vision stages have their own tests."""
    monkeypatch.setenv("SHOEBOX_LABELS", "0")
    monkeypatch.setenv("SHOEBOX_FACES", "0")


@pytest.fixture(scope="module")
def corpus_library(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    """The whole corpus indexed once (vision off) through the real CLI."""
    library = tmp_path_factory.mktemp("corpus-lib")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOEBOX_LABELS", "0")
        patch.setenv("SHOEBOX_FACES", "0")
        assert main(["--library", str(library), "index", str(corpus)]) == 0
    return library


def _media_files(corpus: Path) -> list[Path]:
    return [p for p in corpus.rglob("*") if p.is_file() and p.suffix not in (".json", ".md")]


def test_every_corpus_file_is_exported_once(corpus_library: Path, corpus: Path, capsys) -> None:
    photos = export(corpus_library, capsys)
    seen = [p for photo in photos for f in photo["files"] for p in f["seen_at"]]
    assert len(seen) == len(set(seen))
    expected = {str(p.resolve()) for p in _media_files(corpus)}
    assert expected <= set(seen)
    shas = [f["sha256"] for photo in photos for f in photo["files"] if f["sha256"]]
    assert len(shas) == len(set(shas)), "a content is stored twice"


# Files under bad/ that are sound pictures: catalogued normally (sources.json says why).
SOUND_BAD_FILES = {
    "bad/exif-samples/corrupted.jpg": "decodes; only odd date offsets per exiftool -validate",
    "bad/crafted/jpeg_trailing_garbage.jpg": "intact picture followed by junk after EOI",
    "bad/crafted/gif_truncated.gif": "the first frames survive; the first frame is shown",
    "bad/pillow_heif/truncated.heic": "truncated mdat, libheif still returns the image",
}


def test_bad_files_end_with_a_reason(corpus_library: Path, corpus: Path, capsys) -> None:
    photos = export(corpus_library, capsys)
    by_path = {p: f for photo in photos for f in photo["files"] for p in f["seen_at"]}
    unexplained = []
    for path in sorted((corpus / "bad").rglob("*")):
        if not path.is_file():
            continue
        relative = str(path.relative_to(corpus))
        record = by_path[str(path.resolve())]
        if record["error"]:
            assert len(record["error"]) > 10, record["error"]
        elif (
            not record["warnings"]
            and relative not in SOUND_BAD_FILES
            and "/invalid/" not in relative  # valid XMP-in-APP1 files, named invalid by exif-py
        ):
            unexplained.append(relative)
    assert not unexplained, f"bad files catalogued with no error or warning: {unexplained}"


def test_rerun_skips_unchanged_files(corpus_library: Path, corpus: Path, capsys) -> None:
    outcomes = ingest(quick_settings(corpus_library), corpus)
    assert {o.status for o in outcomes} == {"unchanged"}


def test_changed_and_vanished_files(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "photos"
    a = make_jpeg(folder / "a.jpg", 1, "2020:01:02 03:04:05")
    b = make_jpeg(folder / "b.jpg", 2)
    settings = quick_settings(tmp_path / "lib")
    assert sorted(o.status for o in ingest(settings, folder)) == ["added", "added"]
    make_jpeg(a, 3, "2021:05:06 07:08:09")  # same path, new content
    os.utime(a, (1_700_000_000, 1_700_000_000))
    b.unlink()
    assert main(["--library", str(settings.library), "index", str(folder)]) == 0
    photos = export(settings.library, capsys)
    files = {f["seen_at"][0]: f for photo in photos for f in photo["files"]}
    assert files[str(a.resolve())]["sha256"] == sha256(a)
    assert files[str(b.resolve())]["missing"] is True
    assert [p["taken_at"] for p in photos if p["files"][0]["seen_at"] == [str(a.resolve())]] == [
        "2021-05-06T07:08:09"
    ]
    assert len(photos) == 2  # the old content of a.jpg is forgotten, b.jpg kept as missing


def test_index_never_writes_to_the_folder(tmp_path: Path, corpus: Path) -> None:
    folder = tmp_path / "ro"
    shutil.copytree(corpus / "exif" / "exif-samples" / "orientation", folder)
    before = {p: (p.stat().st_mtime_ns, sha256(p)) for p in folder.rglob("*") if p.is_file()}
    ingest(quick_settings(tmp_path / "lib"), folder)
    after = {p: (p.stat().st_mtime_ns, sha256(p)) for p in folder.rglob("*") if p.is_file()}
    assert before == after


def test_import_copies_by_date_with_safe_names(tmp_path: Path, capsys) -> None:
    card = tmp_path / "card"
    make_jpeg(card / "DCIM" / "100" / "IMG_0001.JPG", 1, "2019:07:04 10:15:00")
    make_jpeg(card / "DCIM" / "101" / "IMG_0001.JPG", 2, "2019:07:05 11:00:00")  # same name
    # a byte copy of the first, under the same name too: whichever of the two the workers
    # finish first is stored, and the stored names are the same either way
    make_jpeg(card / "DCIM" / "102" / "IMG_0001.JPG", 1, "2019:07:04 10:15:00")
    before = {p: sha256(p) for p in card.rglob("*.JPG")}
    settings = quick_settings(tmp_path / "lib")
    statuses = sorted(o.status for o in ingest(settings, card, "copy"))
    assert statuses == ["added", "added", "duplicate"]
    originals = tmp_path / "lib" / "originals"
    stored = sorted(str(p.relative_to(originals)) for p in originals.rglob("*") if p.is_file())
    assert stored == ["2019/07/IMG_0001 (1).JPG", "2019/07/IMG_0001.JPG"]
    assert {sha256(originals / s) for s in stored} == set(before.values())
    assert before == {p: sha256(p) for p in card.rglob("*.JPG")}, "a source was modified"
    assert not list((originals / ".incoming").iterdir())
    # every place the duplicate content was seen is remembered
    photos = export(settings.library, capsys)
    seen = sorted(len(f["seen_at"]) for p in photos for f in p["files"])
    assert seen == [1, 2]


def test_a_copy_whose_row_a_power_cut_lost_is_taken_not_doubled(tmp_path: Path) -> None:
    """The copy was placed in originals/ but its committed row did not reach the disk (the
    VM's hard reset did that with synchronous=NORMAL): importing again takes that copy."""
    card = tmp_path / "card"
    photo = make_jpeg(card / "DCIM" / "IMG_0001.JPG", 1, "2019:07:04 10:15:00")
    settings = quick_settings(tmp_path / "lib")
    make_jpeg(tmp_path / "first" / "IMG_0000.JPG", 3, "2019:07:01 09:00:00")
    ingest(settings, tmp_path / "first", "copy")  # a library that holds a photo already
    originals = tmp_path / "lib" / "originals"
    # what the power cut left: the placed copy, under the import's name, and no row
    shutil.copy2(photo, originals / "2019" / "07" / "IMG_0001.JPG")

    assert [o.status for o in ingest(settings, card, "copy")] == ["added"]
    stored = sorted(str(p.relative_to(originals)) for p in originals.rglob("*") if p.is_file())
    assert stored == ["2019/07/IMG_0000.JPG", "2019/07/IMG_0001.JPG"], "a photo stored twice"
    assert sorted(f.stored_path for f in m.File.select()) == stored
    assert not list((originals / ".incoming").iterdir())


def test_a_stored_file_of_other_content_is_never_taken(tmp_path: Path) -> None:
    """A file under the name the import wants, with other bytes and no row, stays as it is."""
    card = tmp_path / "card"
    make_jpeg(card / "DCIM" / "IMG_0001.JPG", 1, "2019:07:04 10:15:00")
    settings = quick_settings(tmp_path / "lib")
    make_jpeg(tmp_path / "first" / "IMG_0000.JPG", 3, "2019:07:01 09:00:00")
    ingest(settings, tmp_path / "first", "copy")  # a library that holds a photo already
    stranger = tmp_path / "lib" / "originals" / "2019" / "07" / "IMG_0001.JPG"
    make_jpeg(stranger, 2, "2019:07:04 10:15:00")
    stranger_bytes = stranger.read_bytes()
    assert [o.status for o in ingest(settings, card, "copy")] == ["added"]
    assert stranger.read_bytes() == stranger_bytes
    assert sorted(f.stored_path for f in m.File.select()) == [
        "2019/07/IMG_0000.JPG",
        "2019/07/IMG_0001 (1).JPG",
    ]


def test_import_move_deletes_sources_only_when_stored(tmp_path: Path, corpus: Path) -> None:
    inbox = tmp_path / "inbox"
    good = make_jpeg(inbox / "good.jpg", 5, "2018:02:03 04:05:06")
    broken = inbox / "broken.jpg"
    broken.write_bytes((corpus / "bad/crafted/truncated_half.jpg").read_bytes())
    outcomes = {
        o.task.path.name: o for o in ingest(quick_settings(tmp_path / "lib"), inbox, "move")
    }
    assert outcomes["good.jpg"].status == "added" and not good.exists()
    assert outcomes["broken.jpg"].status == "failed" and broken.exists(), "a failed file was lost"
    assert (tmp_path / "lib/originals/2018/02/good.jpg").is_file()


def test_raw_and_jpeg_of_one_shot_are_one_photo(tmp_path: Path, corpus: Path, capsys) -> None:
    folder = tmp_path / "shot"
    folder.mkdir()
    raw = folder / "IMG_4120.DNG"
    shutil.copy(corpus / "raw/photoprism/canon_eos_6d.dng", raw)
    settings = quick_settings(tmp_path / "lib")
    ingest(settings, folder)
    taken = m.Photo.get().taken_at
    assert taken is not None
    make_jpeg(folder / "IMG_4120.JPG", 9, f"{taken:%Y:%m:%d %H:%M:%S}")
    make_jpeg(folder / "IMG_4121.JPG", 10, f"{taken:%Y:%m:%d %H:%M:%S}")  # other stem
    ingest(settings, folder)
    photos = export(settings.library, capsys)
    assert len(photos) == 2
    pair = next(p for p in photos if len(p["files"]) == 2)
    assert sorted(f["role"] for f in pair["files"]) == ["original", "raw"]
    jpeg = next(f for f in pair["files"] if f["role"] == "original")
    assert m.Photo.get_by_id(pair["id"]).primary_sha256 == jpeg["sha256"]


@pytest.mark.parametrize(
    ("name", "ignored"),
    [
        (".DS_Store", True),
        ("._IMG_0001.JPG", True),
        ("Thumbs.db", True),
        ("upload.jpg.part", True),
        (".in.IMG_1.JPG", True),
        (".~tmp123", True),
        ("IMG_0001.JPG", False),
        ("holiday (1).jpeg", False),
    ],
)
def test_litter_and_partial_uploads_are_ignored(name: str, ignored: bool) -> None:
    assert is_ignored_name(name) is ignored


def test_pixel_limit_setting_refuses_bigger_pictures(tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    make_jpeg(folder / "wide.jpg", 1, size=(1500, 1000))
    make_jpeg(folder / "small.jpg", 2, size=(900, 900))
    outcomes = ingest(quick_settings(tmp_path / "lib", max_pixels=1_000_000), folder)
    outcomes.sort(key=lambda o: o.task.path.name)
    assert [o.status for o in outcomes] == ["added", "failed"]
    assert "decompression bomb refused: 1500x1000" in outcomes[1].error


def test_a_value_the_catalog_refuses_fails_that_file_only(tmp_path: Path) -> None:
    """An analysis whose values SQLite cannot store (an integer beyond 64 bits) is recorded
    as a failed file with the reason; the run and the catalog go on."""
    from appliance.ingest.runner import Ingestor
    from appliance.media.metadata import Metadata
    from appliance.records import Analysis, FileTask

    photo = make_jpeg(tmp_path / "in" / "odd.jpg", 4, "2020:01:01 00:00:00")
    with Ingestor(quick_settings(tmp_path / "lib", workers=1)) as ingestor:
        analysis = Analysis(
            task=FileTask(photo, "index", "index"),
            size=photo.stat().st_size,
            mtime=photo.stat().st_mtime,
            sha256=sha256(photo),
            mime="image/jpeg",
            kind="image",
            metadata=Metadata(iso=2**70),
        )
        outcome = ingestor._finish(analysis)
        assert outcome.status == "failed" and "could not record" in outcome.error
        assert m.File.get(m.File.sha256 == sha256(photo)).error == outcome.error
        good = make_jpeg(tmp_path / "in" / "good.jpg", 5)
        assert [o.status for o in ingestor.process([FileTask(good, "index", "index")])] == ["added"]
