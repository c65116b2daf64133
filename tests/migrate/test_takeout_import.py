"""A Google Takeout brought home (issue 22): a two-part export built here from corpus
photos, in the real zip format, with one file (at least) per quirk; `shoebox import`
reads it straight out of the zips and every fact that should come through does.

The quirk table of the closing note is printed by this module (``-s`` shows it)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROOT = "Takeout/Google Photos"
UTC_2019 = 1559390400  # 2019-06-01 12:00:00 UTC
KYOTO = {"latitude": 35.0116, "longitude": 135.7681, "altitude": 40.0}


def _json(taken: int, **extra: object) -> bytes:
    data = {
        "title": "ignored",
        "photoTakenTime": {"timestamp": str(taken), "formatted": "..."},
        "geoData": {"latitude": 0.0, "longitude": 0.0, "altitude": 0.0},
        **extra,
    }
    return json.dumps(data).encode()


def _bare(corpus_photo: Path, target: Path, tag: str) -> bytes:
    """A corpus photo without any date, place or description (as Google strips them),
    made unique by a comment."""
    shutil.copy(corpus_photo, target)
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-q",
            "-overwrite_original",
            "-all=",
            f"-Comment=takeout {tag}",
            str(target),
        ],
        check=True,
    )
    return target.read_bytes()


class Export:
    """The Takeout's files: part -> {name: bytes}, and what each quirk expects."""

    def __init__(self, corpus: Path, work: Path) -> None:
        photos = sorted((corpus / "exif").rglob("*.jpg"))[:12]
        work.mkdir()
        bare = [_bare(p, work / f"bare{i}.jpg", str(i)) for i, p in enumerate(photos)]
        self.parts: dict[int, dict[str, bytes]] = {1: {}, 2: {}}
        self.quirks: dict[str, list[str]] = {}  # quirk -> photo names expected right
        self.expected: dict[str, dict[str, object]] = {}  # photo name -> exported fields
        y19, y20 = f"{ROOT}/Photos from 2019", f"{ROOT}/Photos from 2020"

        def add(
            part: int, name: str, data: bytes, quirk: str | None = None, **expect: object
        ) -> None:
            self.parts[part][name] = data
            if quirk:
                self.quirks.setdefault(quirk, []).append(name.rsplit("/", 1)[1])
            if expect:
                self.expected[name.rsplit("/", 1)[1]] = expect

        favourite = _json(UTC_2019, description="Picnic by the river", favorited=True)
        favourite = json.loads(favourite) | {"geoData": KYOTO}
        add(
            1,
            f"{y19}/IMG_0001.jpg",
            bare[0],
            "supplemental-metadata JSON",
            taken_at="2019-06-01T21:00:00+09:00",  # 12:00 UTC, local at its place (Kyoto)
            description="Picnic by the river",
            favorite=True,
        )
        add(1, f"{y19}/IMG_0001.jpg.supplemental-metadata.json", json.dumps(favourite).encode())
        add(
            1,
            f"{y19}/IMG_0002(1).jpg",
            bare[1],
            "counter (1) moved in the JSON name",
            taken_at="2019-06-01T12:01:00",
        )
        add(1, f"{y19}/IMG_0002.jpg(1).json", _json(UTC_2019 + 60))
        long = "Grandma_and_grandpa_at_the_seaside_in_Brittany_1999.jpg"
        add(
            1, f"{y19}/{long}", bare[2], "name cut at 46 characters", taken_at="2019-06-01T12:02:00"
        )
        add(1, f"{y19}/{long[:46]}.json", _json(UTC_2019 + 120))
        pixel = "PXL_20190601_120300123.jpg"
        add(
            1,
            f"{y19}/{pixel}",
            bare[3],
            "supplemental name cut short",
            taken_at="2019-06-01T12:03:00",
        )
        add(1, f"{y19}/{pixel}.supplemental-metad.json", _json(UTC_2019 + 180))
        add(1, f"{y19}/IMG_0003.jpg", bare[4])
        add(
            1,
            f"{y19}/IMG_0003-edited.jpg",
            bare[5],
            "edited copy shares the JSON",
            taken_at="2019-06-01T12:04:00",
        )
        add(1, f"{y19}/IMG_0003.jpg.json", _json(UTC_2019 + 240))
        add(1, f"{y19}/IMG_0004.json", _json(UTC_2019 + 300))  # very old exports
        add(
            1,
            f"{y19}/IMG_0004.jpg",
            bare[6],
            "old JSON name without the extension",
            taken_at="2019-06-01T12:05:00",
        )
        add(
            1,
            f"{y20}/IMG_0009.jpg",
            bare[7],
            "JSON in the other part",
            taken_at="2020-05-31T12:00:00",
        )
        add(2, f"{y20}/IMG_0009.jpg.json", _json(UTC_2019 + 86400 * 365))
        album = f"{ROOT}/Trip to Kyoto"
        add(
            1,
            f"{album}/metadata.json",
            json.dumps({"title": "Trip to Kyoto", "description": "Spring"}).encode(),
        )
        add(1, f"{album}/IMG_0001.jpg", bare[0], "album folder repeats a photo")
        add(1, f"{album}/IMG_0001.jpg.supplemental-metadata.json", json.dumps(favourite).encode())
        add(1, f"{ROOT}/Archive/IMG_0005.jpg", bare[8], "Archive: imported archived", archived=True)
        add(1, f"{ROOT}/Archive/IMG_0005.jpg.json", _json(UTC_2019 + 360, archived=True))
        add(1, f"{ROOT}/Trash/IMG_0006.jpg", bare[9], "Trash: imported into the trash")
        add(1, f"{ROOT}/Trash/IMG_0006.jpg.json", _json(UTC_2019 + 420, trashed=True))
        add(1, f"{ROOT}/Locked Folder/IMG_0007.jpg", bare[10])  # not imported: reported
        add(1, f"{y19}/IMG_0008.jpg", bare[11], "JSON that is not JSON: photo kept", status="ok")
        add(1, f"{y19}/IMG_0008.jpg.json", b"{not json")
        heic = (corpus / "video/IMG_4102.HEIC").read_bytes()
        mov = (corpus / "video/IMG_4102.MOV").read_bytes()
        add(1, f"{y19}/IMG_4102.HEIC", heic, "Live Photo: still and movie", motion="live")
        add(1, f"{y19}/IMG_4102.MOV", mov)
        add(1, f"{y19}/IMG_4102.HEIC.json", _json(UTC_2019 + 480))

    def write(self, folder: Path) -> list[Path]:
        folder.mkdir()
        paths = []
        for part, files in self.parts.items():
            path = folder / f"takeout-20261204T000000Z-00{part}.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in files.items():
                    archive.writestr(name, data)
                if part == 1:
                    archive.writestr("../outside.jpg", b"not allowed")  # unsafe name
            paths.append(path)
        return paths


CATALOGS: dict[Path, str] = {}  # library -> its PostgreSQL catalogue (make test-postgresql)


def shoebox(library: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SHOEBOX_LABELS": "0",
        "SHOEBOX_FACES": "0",
        "PYTHONPATH": str(REPO),
    }
    if library in CATALOGS:
        env["SHOEBOX_CATALOG_URL"] = CATALOGS[library]
    command = [sys.executable, "-m", "appliance.cli", "--library", str(library), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def _digest(paths: list[Path]) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


@pytest.fixture
def imported(
    corpus: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> tuple[Export, list[dict], str, Path, list[Path]]:
    export = Export(corpus, tmp_path / "work")
    parts = export.write(tmp_path / "downloads")
    before = _digest(parts)
    library = tmp_path / "library"
    if os.environ.get("SHOEBOX_TEST_BACKEND", "sqlite") == "postgresql":
        CATALOGS[library] = request.getfixturevalue("postgres").new_database()
    result = shoebox(library, "import", *map(str, parts))
    assert _digest(parts) == before  # the archives are only read
    assert not (tmp_path / "outside.jpg").exists()
    exported = shoebox(library, "export")
    assert exported.returncode == 0, exported.stderr
    return export, json.loads(exported.stdout), result.stdout + result.stderr, library, parts


def _by_name(photos: list[dict]) -> dict[str, dict]:
    return {Path(f["stored_path"]).name: p for p in photos for f in p["files"]}


def test_a_takeout_comes_home_with_its_facts(imported) -> None:
    export, photos, output, library, _ = imported
    named = _by_name(photos)
    one = named["IMG_0001.jpg"]
    # Google's UTC date, made local by the JSON's place (Kyoto); without a place it stays UTC
    assert one["taken_at"] == "2019-06-01T21:00:00+09:00", one["taken_at"]
    assert one["description"] == "Picnic by the river" and one["favorite"] is True
    assert (round(one["latitude"], 3), round(one["longitude"], 3)) == (35.012, 135.768)
    assert [a["title"] for a in one["albums"]] == ["Trip to Kyoto"]
    assert (
        sum(1 for p in photos for f in p["files"] if f["stored_path"].endswith("/IMG_0001.jpg"))
        == 1
    )
    assert named["IMG_0002(1).jpg"]["taken_at"] == "2019-06-01T12:01:00+00:00"
    assert named["Grandma_and_grandpa_at_the_seaside_in_Brittany_1999.jpg"]["taken_at"].startswith(
        "2019-06-01T12:02:00"
    )
    assert named["PXL_20190601_120300123.jpg"]["taken_at"].startswith("2019-06-01T12:03:00")
    assert named["IMG_0003-edited.jpg"]["taken_at"].startswith("2019-06-01T12:04:00")
    edited, original = named["IMG_0003-edited.jpg"]["stack"], named["IMG_0003.jpg"]["stack"]
    assert edited is not None and edited["id"] == original["id"]  # stacked together
    assert named["IMG_0004.jpg"]["taken_at"].startswith("2019-06-01T12:05:00")
    assert named["IMG_0009.jpg"]["taken_at"].startswith("2020-05-31T12:00:00")
    assert named["IMG_0005.jpg"]["archived"] is True
    assert named["IMG_0006.jpg"]["trashed_at"] is not None
    assert "IMG_0007.jpg" not in named and "Locked Folder" in output
    assert "IMG_0008.jpg" in named and "not JSON" in output
    assert "outside.jpg" in output and "unsafe name" in output
    live = named["IMG_4102.HEIC"]
    assert {Path(f["stored_path"]).name for f in live["files"]} == {"IMG_4102.HEIC", "IMG_4102.MOV"}
    print_quirk_table(export, named)


def _right(export: Export, named: dict[str, dict], name: str) -> bool:
    photo = named.get(name)
    if photo is None:
        return False
    for key, value in export.expected.get(name, {}).items():
        got = photo.get(key)
        if (
            isinstance(value, str)
            and not str(got).startswith(value)
            or (not isinstance(value, str) and got != value)
        ):
            return False
    return True


def print_quirk_table(export: Export, named: dict[str, dict]) -> None:
    """The closing note's table: files per quirk and how many came through right."""
    print("\nquirk | files | came through right")
    for quirk, names in export.quirks.items():
        right = sum(1 for name in names if _right(export, named, name))
        print(f"{quirk} | {len(names)} | {right}")
    assert all(_right(export, named, n) for names in export.quirks.values() for n in names)


def test_a_second_run_imports_nothing_again(imported) -> None:
    _, photos, _, library, parts = imported
    again = shoebox(library, "import", *map(str, parts))
    assert "0 added" in again.stdout and "done by an earlier run" in again.stdout, again.stdout
    exported = json.loads(shoebox(library, "export").stdout)
    assert len(exported) == len(photos)


def test_status_shows_the_migration_as_one_task(imported) -> None:
    _, photos, output, library, _ = imported
    status = shoebox(library, "status")
    assert "migration: Google Takeout (2 archives or folders): finished" in status.stdout
    assert "13 of 13 files, 0 left" in status.stdout and "JSON matched 14" in status.stdout
    report = output.split("report: ")[1].split()[0]
    text = Path(report).read_text()
    assert "IMG_0007.jpg" in text and "Locked Folder" in text and "unsafe name" in text
    data = json.loads(shoebox(library, "status", "--json").stdout)
    [migration] = data["migrations"]
    assert migration["files_done"] == migration["files_total"] == 13
    assert migration["added"] == 13 and migration["state"] == "finished"


def test_people_google_named_are_people_here(corpus: Path, tmp_path: Path) -> None:
    """A one-face photo with one name: the face found on import is that person."""
    face = corpus / "faces/dlib/johns/John_Salley/000179_02159509.jpg"
    folder = tmp_path / "Takeout" / "Google Photos" / "Photos from 2010"
    folder.mkdir(parents=True)
    shutil.copy(face, folder / "john.jpg")
    (folder / "john.jpg.json").write_bytes(_json(UTC_2019, people=[{"name": "John Salley"}]))
    library = tmp_path / "library"
    env_faces = {**os.environ, "SHOEBOX_FACES": "1"}
    command = [sys.executable, "-m", "appliance.cli", "--library", str(library)]
    result = subprocess.run(
        [*command, "import", str(tmp_path / "Takeout")],
        env={**env_faces, "SHOEBOX_LABELS": "0", "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "1 added" in result.stdout, result.stdout + result.stderr
    [photo] = json.loads(shoebox(library, "export").stdout)
    assert [p["name"] for p in photo["people"]] == ["John Salley"]


def test_a_drive_holding_a_takeout_is_imported_when_plugged(corpus: Path, tmp_path: Path) -> None:
    """The USB import (`shoebox import-volume`, run by udev on a plug) brings the export's
    archives in as well as the drive's own photos; the drive is only read."""
    export = Export(corpus, tmp_path / "work")
    drive = tmp_path / "sdb1"
    drive.mkdir()
    parts = export.write(drive / "Google export")
    camera = drive / "DCIM" / "100CANON"
    camera.mkdir(parents=True)
    own = _bare(sorted((corpus / "exif").rglob("*.jpg"))[20], camera / "IMG_7777.jpg", "drive")
    before = _digest([*parts, camera / "IMG_7777.jpg"])
    library = tmp_path / "library"
    result = shoebox(library, "import-volume", str(drive), "--uuid", "1A2B-3C4D")
    output = result.stdout + result.stderr
    assert "exports on the volume: takeout-20261204T000000Z-001.zip" in output, output
    named = _by_name(json.loads(shoebox(library, "export").stdout))
    assert "IMG_7777.jpg" in named and named["IMG_0001.jpg"]["favorite"] is True
    assert _digest([*parts, camera / "IMG_7777.jpg"]) == before and own


def test_live_photos_are_found_by_their_plain_name(imported) -> None:
    _, photos, _, library, _ = imported
    found = shoebox(library, "search", "live photos", "--json")
    assert found.returncode == 0, found.stderr
    items = json.loads(found.stdout)["items"]
    live = _by_name(photos)["IMG_4102.HEIC"]
    assert [i["id"] for i in items] == [live["id"]] and items[0]["motion"] == "live"


def test_a_resumed_run_counts_its_speed_from_its_own_bytes() -> None:
    """What an earlier run did is not this run's speed (the status page once showed
    512000 MB/s for a run that had just resumed)."""
    from appliance.migrate.progress import Progress

    progress = Progress("Google Takeout", ["a.zip"], 10, 1000 * 2**20, started=0.0)
    progress.bytes_done = progress.bytes_resumed = 500 * 2**20
    progress.updated = 0.5
    assert progress.mb_per_second() == 0 and progress.eta_seconds() is None
    progress.bytes_done += 100 * 2**20
    progress.updated = 10.0
    assert progress.mb_per_second() == 10.0 and progress.eta_seconds() == 40


# Google names Obama and Biden on two_people.jpg without saying which face is whom
PEOPLE_SHOTS: dict[str, tuple[str, list[str] | None]] = {
    "a_two.jpg": ("faces/face_recognition/two_people.jpg", ["Barack Obama", "Joe Biden"]),
    "b_obama.jpg": ("faces/face_recognition/obama.jpg", ["Barack Obama"]),
    "c_biden.jpg": ("faces/face_recognition/biden.jpg", ["Joe Biden"]),
}


def _people_takeout(
    corpus: Path, takeout: Path, shots: dict[str, tuple[str, list[str] | None]]
) -> None:
    """An extracted Takeout folder of corpus photos, each with a JSON naming its people
    (None: no JSON of its own)."""
    folder = takeout / "Google Photos" / "Photos from 2012"
    folder.mkdir(parents=True)
    for name, (source, people) in shots.items():
        shutil.copy(corpus / source, folder / name)
        if people is not None:
            facts = _json(UTC_2019, people=[{"name": n} for n in people])
            (folder / f"{name}.json").write_bytes(facts)


def test_several_people_on_one_photo_are_told_apart_by_likeness(
    corpus: Path, tmp_path: Path
) -> None:
    """Google names Barack Obama and Joe Biden on two_people.jpg without saying which face
    is whom; their one-face photos of the same export (imported after it) show what each
    looks like, so each face of the two gets its own name."""
    _people_takeout(corpus, tmp_path / "Takeout", PEOPLE_SHOTS)
    library = tmp_path / "library"
    command = [sys.executable, "-m", "appliance.cli", "--library", str(library)]
    result = subprocess.run(
        [*command, "import", str(tmp_path / "Takeout")],
        env={**os.environ, "SHOEBOX_FACES": "1", "SHOEBOX_LABELS": "0", "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "3 added" in result.stdout, result.stdout + result.stderr
    photos = {
        Path(p["files"][0]["path"]).name: p for p in json.loads(shoebox(library, "export").stdout)
    }
    assert {p["name"] for p in photos["a_two.jpg"]["people"]} == {"Barack Obama", "Joe Biden"}
    assert [p["name"] for p in photos["b_obama.jpg"]["people"]] == ["Barack Obama"]
    from appliance.catalog.db import open_catalog
    from appliance.catalog.models import Face, Person

    # the command ran on the library's own SQLite file (no SHOEBOX_CATALOG_URL given), also
    # in `make test-postgresql`, where a bare path would open a fresh PostgreSQL database
    db = open_catalog(f"sqlite:///{(library / 'catalog.db').absolute()}")
    try:
        faces = (
            Face.select(Face, Person).join(Person).where(Face.photo == photos["a_two.jpg"]["id"])
        )
        named = [f.person.name for f in sorted(faces, key=lambda f: f.box_x)]
    finally:
        db.close()
    assert named == ["Barack Obama", "Joe Biden"]  # Obama stands on the left


def test_a_run_cut_short_finishes_its_work_when_resumed(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A power cut after four of five photos (one per batch, the record fsynced after each):
    the run given again imports the fifth, then does what the cut run never reached: the
    photo Google named two people on gets its names by likeness (from the one-face photos
    the cut run imported), and the edited copy imported before the cut is stacked with its
    original imported after it."""
    from appliance import library as library_layout
    from appliance.catalog.db import open_catalog
    from appliance.catalog.models import Face, File, Person, Photo
    from appliance.config import Settings
    from appliance.migrate import export_import

    shots = {
        **PEOPLE_SHOTS,
        "d-edited.jpg": ("misc/skimage/coffee.jpg", None),  # shares its original's JSON
        "d.jpg": ("misc/skimage/chelsea.jpg", []),
    }
    _people_takeout(corpus, tmp_path / "Takeout", shots)
    settings = Settings(
        library=tmp_path / "library", setup_file=tmp_path / "none.toml", workers=1,
        labels=False, faces=True,
    )  # fmt: skip
    monkeypatch.setattr(export_import, "BATCH_FILES", 1)
    batches = 0
    original_progress = export_import.ExportImport._progress

    def cut_after_four(self, total, batch, record) -> None:
        nonlocal batches
        original_progress(self, total, batch, record)
        batches += 1
        if batches == 4:
            raise SystemExit("power cut")

    monkeypatch.setattr(export_import.ExportImport, "_progress", cut_after_four)
    with pytest.raises(SystemExit):
        export_import.ExportImport([tmp_path / "Takeout"], settings).run()
    monkeypatch.setattr(export_import.ExportImport, "_progress", original_progress)
    assert export_import.ExportImport([tmp_path / "Takeout"], settings).run() == 0

    # the catalogue the runs used (in `make test-postgresql`, a database of the session's)
    db = open_catalog(library_layout.default_catalog_url(settings.library_root / "catalog.db"))
    try:
        by_name = {
            Path(p.original_name).name: p
            for p in Photo.select(Photo.id, Photo.stack_id, File.original_name)
            .join(File, on=(File.photo == Photo.id))
            .objects()
        }
        assert len(by_name) == 5
        faces = Face.select(Face, Person).join(Person).where(Face.photo == by_name["a_two.jpg"].id)
        assert [f.person.name for f in sorted(faces, key=lambda f: f.box_x)] == [
            "Barack Obama",
            "Joe Biden",
        ]
        stack = by_name["d.jpg"].stack_id
        assert stack is not None and by_name["d-edited.jpg"].stack_id == stack
    finally:
        db.close()
