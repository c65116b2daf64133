"""Videos, Live Photos and Motion Photos, over every file in the corpus's video/ folder.

The library is built by the real pipeline (`shoebox index`, ffmpeg children), checked
against ExifTool's reference values (video_exiftool.json) and served by the real app.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from ingest_helpers import export, ingest, quick_settings
from web_fixtures import PASSWORD, sign_in

from appliance.catalog.db import open_catalog
from appliance.catalog.models import File, Photo
from appliance.catalog.users import create_user
from appliance.ingest.transcoding import pending, run_pending
from appliance.library import Library
from appliance.media import ffmpeg, video
from appliance.media.videocache import VideoCache
from appliance.web import create_app

pytestmark = pytest.mark.skipif(not ffmpeg.available(), reason="ffmpeg is not installed")

STILLS = {"IMG_4102.HEIC", "samsung-one-ui-6.heic"}


def _probe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", "-show_format", "-show_streams", str(path)],
        capture_output=True,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def reference(corpus: Path) -> dict[str, dict]:
    records = json.loads((corpus / "video_exiftool.json").read_text())
    return {rec["SourceFile"]: rec for rec in records}


@pytest.fixture(scope="module")
def video_library(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    """Every file of video/ indexed in place by the real pipeline."""
    root = tmp_path_factory.mktemp("videolib")
    outcomes = ingest(quick_settings(root / "library"), corpus / "video")
    assert len(outcomes) == len(list((corpus / "video").iterdir()))
    return root / "library"


@pytest.fixture(scope="module")
def exported(video_library: Path) -> dict[str, dict]:
    """Export records keyed by the name of each of their files."""
    from appliance.cli import main

    class _Capture:
        def readouterr(self) -> None:  # the export helper wants a capsys-like object
            return None

    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--library", str(video_library), "export", "--format", "json"]) == 0
    records = json.loads(out.getvalue())
    return {Path(f["path"]).name: r for r in records for f in r["files"]}


def _duration(value: object) -> float:
    if isinstance(value, str):  # WebM: "00:00:03.000000000"
        h, m, s = value.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)
    return float(value)  # type: ignore[arg-type]


def test_every_movie_matches_exiftool(
    exported: dict[str, dict], reference: dict[str, dict]
) -> None:
    """Kind, duration, displayed size (rotation applied) and rotation of every movie."""
    checked = 0
    for name, ref in reference.items():
        if name in STILLS or name == "truncated_bunny.mp4":
            continue
        record = exported[name]
        movie = next(f for f in record["files"] if Path(f["path"]).name == name)
        assert movie["duration"] == pytest.approx(_duration(ref["Duration"]), abs=0.05), name
        assert movie["rotation"] == ref.get("Rotation", 0), name
        assert movie["mime"] == ref["MIMEType"], name
        w, h = ref["ImageWidth"], ref["ImageHeight"]
        if ref.get("Rotation") in (90, 270):
            w, h = h, w
        if record["kind"] == "video":  # a Live Photo shows its still
            assert (record["width"], record["height"]) == (w, h), name
            assert record["duration"] == pytest.approx(_duration(ref["Duration"]), abs=0.05)
        assert (movie["width"], movie["height"]) == (w, h), name
        checked += 1
    assert checked == 5


def test_capture_date_and_gps_come_from_the_metadata(
    exported: dict[str, dict], reference: dict[str, dict]
) -> None:
    android = exported["VID_20211224_200500.mp4"]
    # QuickTime's UTC date, shown at the local time of its place (Berlin, UTC+1 in winter)
    assert android["taken_at"] == "2021-12-24T20:05:00+01:00"
    ref = reference["VID_20211224_200500.mp4"]
    assert android["latitude"] == pytest.approx(ref["GPSLatitude"], abs=1e-5)
    assert android["longitude"] == pytest.approx(ref["GPSLongitude"], abs=1e-5)
    live = exported["IMG_4102.MOV"]
    assert live["taken_at"] == "2023-07-14T18:30:05+02:00"
    # an unset container date (0000:00:00, 1904-01-01) is no capture date
    for name in ("bigbuckbunny.mp4", "carphone_pristine.mp4", "bunny_vp9.webm"):
        assert exported[name]["taken_at_source"] == "filetime", name


def test_live_photo_is_one_photo_with_two_files(exported: dict[str, dict]) -> None:
    still, movie = exported["IMG_4102.HEIC"], exported["IMG_4102.MOV"]
    assert still["id"] == movie["id"]
    assert still["kind"] == "image" and still["motion"] == "live"
    roles = {Path(f["path"]).name: f["role"] for f in still["files"]}
    assert roles == {"IMG_4102.HEIC": "original", "IMG_4102.MOV": "video"}
    assert still["duration"] == pytest.approx(6.0)
    assert (still["width"], still["height"]) == (500, 500)  # the still is what it shows


@pytest.mark.parametrize("first", ["IMG_4102.MOV", "IMG_4102.HEIC"])
def test_live_photo_joins_whichever_half_comes_first(
    tmp_path: Path, corpus: Path, first: str, capsys
) -> None:
    settings = quick_settings(tmp_path / "library", workers=1)
    for name in (first, ({"IMG_4102.MOV", "IMG_4102.HEIC"} - {first}).pop()):
        folder = tmp_path / "phone"
        folder.mkdir(exist_ok=True)
        shutil.copy2(corpus / "video" / name, folder / name)
        ingest(settings, folder)
    records = export(tmp_path / "library", capsys)
    assert len(records) == 1
    (record,) = records
    assert record["kind"] == "image" and record["motion"] == "live"
    assert sorted(f["role"] for f in record["files"]) == ["original", "video"]
    assert record["width"] == 500 and record["duration"] == pytest.approx(6.0)


def test_motion_photo_movie_is_extracted(
    video_library: Path, exported: dict[str, dict], corpus: Path
) -> None:
    record = exported["samsung-one-ui-6.heic"]
    assert record["kind"] == "image" and record["motion"] == "motion"
    (still,) = record["files"]
    movie = VideoCache(video_library / "cache").motion(still["sha256"])
    # byte for byte what ExifTool extracts as the MotionPhotoVideo
    reference = subprocess.run(
        ["exiftool", "-b", "-MotionPhotoVideo", str(corpus / "video" / "samsung-one-ui-6.heic")],
        capture_output=True,
        check=True,
    ).stdout
    assert len(reference) > 1_000_000
    assert movie.read_bytes() == reference
    streams = _probe(movie)["streams"]
    assert streams[0]["codec_name"] == "hevc"
    assert still["playback"] == "transcode"  # HEVC: browsers need the H.264 copy


def test_truncated_movie_is_refused_with_the_reason(exported: dict[str, dict]) -> None:
    record = exported["truncated_bunny.mp4"]
    assert record["status"] == "error" and record["kind"] == "video"
    assert "moov" in record["files"][0]["error"]


def test_movie_cut_after_its_index_is_refused(tmp_path: Path, corpus: Path, capsys) -> None:
    """A faststart movie (index first) cut halfway: ffprobe reads it, its frames are gone."""
    whole = tmp_path / "whole.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(corpus / "video" / "bigbuckbunny.mp4"), "-c", "copy"]
        + ["-movflags", "+faststart", str(whole)],
        check=True,
    )
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "cut.mp4").write_bytes(whole.read_bytes()[:600_000])
    assert video.probe(folder / "cut.mp4").duration  # the index alone looks fine
    ingest(quick_settings(tmp_path / "library"), folder)
    (record,) = export(tmp_path / "library", capsys)
    assert record["status"] == "error"
    assert "cut off or corrupt" in record["files"][0]["error"]


def test_playability_decides_stream_or_transcode(exported: dict[str, dict]) -> None:
    playback = {
        name: next(f for f in r["files"] if Path(f["path"]).name == name).get("playback")
        for name, r in exported.items()
    }
    assert playback["bigbuckbunny.mp4"] == "direct"  # H.264 + AAC
    assert playback["VID_20211224_200500.mp4"] == "direct"
    assert playback["bunny_vp9.webm"] == "direct"
    assert playback["IMG_4102.MOV"] == "transcode"  # HEVC
    assert playback["IMG_4102.HEIC"] is None


def test_poster_frame_is_upright_and_in_the_grid_sizes(video_library: Path) -> None:
    from PIL import Image

    lib = Library(video_library)
    open_catalog(lib.catalog_path)
    photo = Photo.get(Photo.primary_sha256 == _sha_of("VID_20211224_200500.mp4"))
    cache = lib.cache / "thumbs"
    sha = photo.primary_sha256
    with Image.open(cache / "viewer" / sha[:2] / f"{sha}.jpg") as viewer:
        assert viewer.size == (720, 1280)  # portrait: rotation 270 applied
    with Image.open(cache / "grid" / sha[:2] / f"{sha}.jpg") as grid:
        assert max(grid.size) == 400 and grid.height > grid.width


def _sha_of(name: str) -> str:
    return File.select().where(File.original_name == name).get().sha256


def test_transcode_queue_makes_browser_playable_copies(video_library: Path, tmp_path: Path) -> None:
    root = tmp_path / "library"
    shutil.copytree(video_library, root)
    lib = Library(root)
    open_catalog(lib.catalog_path)
    waiting = {p.sha256 for p in pending(lib)}
    assert waiting == {_sha_of("IMG_4102.MOV"), _sha_of("samsung-one-ui-6.heic")}
    assert run_pending(lib) == (2, 0)
    assert not list(pending(lib))
    cache = VideoCache(lib.cache)
    out = cache.transcode(_sha_of("samsung-one-ui-6.heic"))
    info = _probe(out)
    codecs = {s["codec_type"]: s for s in info["streams"]}
    assert codecs["video"]["codec_name"] == "h264" and codecs["audio"]["codec_name"] == "aac"
    # 1440x1080 turned 90 degrees, fitted into 720p: 720 wide, 960 high, upright
    assert (codecs["video"]["width"], codecs["video"]["height"]) == (720, 960)
    head = out.read_bytes()[:200_000]
    assert head.find(b"moov") < head.find(b"mdat")  # faststart: plays while downloading
    assert not list(out.parent.glob(".part-*"))


def test_failed_transcode_is_recorded_and_not_retried(video_library: Path, tmp_path: Path) -> None:
    root = tmp_path / "library"
    shutil.copytree(video_library, root)
    lib = Library(root)
    open_catalog(lib.catalog_path)
    sha = _sha_of("samsung-one-ui-6.heic")
    VideoCache(lib.cache).motion(sha).write_bytes(b"\0\0\0\x18ftypmp42 broken")
    done, failed = run_pending(lib)
    assert (done, failed) == (1, 1)
    assert "failed" in VideoCache(lib.cache).failure_reason(sha)
    assert run_pending(lib) == (0, 0)


def test_ffmpeg_children_are_bounded() -> None:
    endless = ["ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc", "-f", "null", "-"]
    with pytest.raises(ffmpeg.FFmpegError, match="within 1 s"):
        ffmpeg.run(endless, 1.0)
    probe = ["ffprobe", "-v", "error", "-f", "lavfi", "-i", "testsrc=d=1"]
    with pytest.raises(ffmpeg.FFmpegError):
        ffmpeg.run(probe, 10.0, memory=16 * 1024 * 1024)  # cannot even load: refused, no crash
    assert ffmpeg.run(probe, 10.0).peak_rss > 0


# --- served to the browser ----------------------------------------------------------------


@pytest.fixture
def client(video_library: Path, tmp_path: Path):
    from appliance.config import Settings

    root = tmp_path / "library"
    shutil.copytree(video_library, root)
    settings = Settings(library=root, setup_file=root / "no-seed.toml", workers=1)
    app = create_app(settings, Library(root))
    create_user("mum", PASSWORD, "admin")
    client = app.test_client()
    assert sign_in(client, "mum").status_code == 302
    client.library = Library(root)  # type: ignore[attr-defined]
    return client


def _photo_of(name: str) -> int:
    return File.select().where(File.original_name == name).get().photo_id


def test_api_gives_video_url_for_everything_that_plays(client) -> None:
    for name in ("bigbuckbunny.mp4", "bunny_vp9.webm", "IMG_4102.HEIC", "samsung-one-ui-6.heic"):
        data = client.get(f"/api/v1/photos/{_photo_of(name)}").get_json()
        assert data["video_url"], name
    plain = client.get(f"/api/v1/photos/{_photo_of('bigbuckbunny.mp4')}").get_json()
    assert plain["kind"] == "video" and plain["video_state"] == "ready"
    assert plain["duration"] == pytest.approx(5.312)
    live = client.get(f"/api/v1/photos/{_photo_of('IMG_4102.MOV')}").get_json()
    assert live["video_url"].endswith(_sha_of("IMG_4102.MOV"))
    assert live["video_state"] == "preparing"  # HEVC: until the transcode exists


def test_stream_supports_ranges(client) -> None:
    url = client.get(f"/api/v1/photos/{_photo_of('bigbuckbunny.mp4')}").get_json()["video_url"]
    whole = client.get(url)
    assert whole.status_code == 200 and whole.mimetype == "video/mp4"
    assert whole.headers["Accept-Ranges"] == "bytes"
    part = client.get(url, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(whole.data)}"
    assert part.data == whole.data[1000:2000]
    webm = client.get(f"/media/video/{_sha_of('bunny_vp9.webm')}")
    assert webm.mimetype == "video/webm"


def test_preparing_video_then_the_transcode_streams(client) -> None:
    photo_id = _photo_of("IMG_4102.MOV")
    url = client.get(f"/api/v1/photos/{photo_id}").get_json()["video_url"]
    waiting = client.get(url)
    assert waiting.status_code == 503 and waiting.headers["Retry-After"]
    page = client.get(f"/photo/{photo_id}")
    assert page.status_code == 200 and "Preparing video" not in page.text  # a Live Photo
    assert "LIVE · preparing" in page.text
    run_pending(client.library)
    assert client.get(f"/api/v1/photos/{photo_id}").get_json()["video_state"] == "ready"
    part = client.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.mimetype == "video/mp4"


def test_viewer_pages_of_videos_render(client) -> None:
    for name in ("bigbuckbunny.mp4", "bunny_vp9.webm", "IMG_4102.HEIC", "samsung-one-ui-6.heic"):
        page = client.get(f"/photo/{_photo_of(name)}")
        assert page.status_code == 200, name
    assert '<video id="main-video"' in client.get(f"/photo/{_photo_of('bunny_vp9.webm')}").text


def test_stream_refuses_bad_and_unknown_hashes(client) -> None:
    assert client.get("/media/video/not-a-hash").status_code == 404
    assert client.get("/media/video/" + "0" * 64).status_code == 404
    still = _sha_of("IMG_4102.HEIC")  # a still of a Live Photo has no movie of its own
    assert client.get(f"/media/video/{still}").status_code == 404


def test_animated_gif_animates_in_the_viewer(tmp_path: Path, corpus: Path, capsys) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy2(corpus / "misc/dlib/elon-musk-smoke.gif", folder / "smoke.gif")
    shutil.copy2(corpus / "misc/skimage/coffee.jpg", folder / "coffee.jpg")
    root = tmp_path / "library"
    ingest(quick_settings(root), folder)
    records = {Path(r["files"][0]["path"]).name: r for r in export(root, capsys)}
    assert records["smoke.gif"]["motion"] == "animated"
    assert records["coffee.jpg"]["motion"] is None
    from appliance.config import Settings

    app = create_app(Settings(library=root, setup_file=root / "no-seed.toml"), Library(root))
    create_user("mum", PASSWORD, "admin")
    client = app.test_client()
    sign_in(client, "mum")
    gif = records["smoke.gif"]
    page = client.get(f"/photo/{gif['id']}").text
    assert f'src="/media/original/{gif["files"][0]["sha256"]}"' in page  # the GIF itself
    assert client.get(f"/api/v1/photos/{gif['id']}").get_json()["video_url"] is None


@pytest.mark.parametrize(
    ("a", "a_off", "b", "b_off", "same"),
    [
        ("2023-07-14 18:30:05", 120, "2023-07-14 16:30:06", 0, True),  # same instant, 1 s
        ("2023-07-14 18:30:05", 120, "2023-07-14 16:30:09", 0, False),  # 4 s apart
        ("2023-07-14 18:30:05", None, "2023-07-14 18:30:06", None, True),  # wall times
        ("2023-07-14 18:30:05", None, "2023-07-14 16:30:05", 0, True),  # zone unknown on one
        ("2023-07-14 18:30:05", None, "2023-07-14 16:20:05", 0, False),  # not whole quarters
        ("2023-07-14 18:30:05", None, "2023-07-13 18:30:05", None, False),  # a day apart
    ],
)
def test_live_photo_halves_are_taken_within_two_seconds(
    a: str, a_off: int | None, b: str, b_off: int | None, same: bool
) -> None:
    import datetime as dt

    from appliance.catalog.live_photos import close_in_time

    parse = dt.datetime.fromisoformat
    assert close_in_time(parse(a), a_off, parse(b), b_off) is same


def test_movie_content_identifier_is_catalogued(tmp_path: Path, corpus: Path) -> None:
    """Apple's ContentIdentifier (QuickTime Keys), written here with ffmpeg and read by the
    metadata engine, lands on the movie's file for Live Photo pairing."""
    folder = tmp_path / "in"
    folder.mkdir()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(corpus / "video" / "IMG_4102.MOV"), "-c", "copy"]
        + ["-movflags", "use_metadata_tags"]
        + ["-metadata", "com.apple.quicktime.content.identifier=8F4C-LIVE-TEST"]
        + [str(folder / "IMG_9999.MOV")],
        check=True,
    )
    root = tmp_path / "library"
    ingest(quick_settings(root), folder)
    open_catalog(Library(root).catalog_path)
    assert File.get(File.original_name == "IMG_9999.MOV").content_id == "8F4C-LIVE-TEST"


def test_the_service_transcodes_in_the_background(tmp_path: Path, corpus: Path) -> None:
    """`shoebox run`: an HEVC movie dropped into the inbox is imported, then transcoded by
    the service's background job; SIGTERM stops it cleanly."""
    from tests.service.test_daemon_crash import start_daemon, stop, wait_for

    library, inbox = tmp_path / "library", tmp_path / "inbox"
    inbox.mkdir()
    process = start_daemon(library, inbox)
    try:
        shutil.copy2(corpus / "video" / "IMG_4102.MOV", inbox / "IMG_4102.MOV")
        cache = library / "cache" / "video"

        def finished() -> list[Path]:  # not the .part-* file ffmpeg is still writing
            return [p for p in cache.rglob("*.mp4") if not p.name.startswith(".")]

        wait_for(lambda: finished(), 120, "the transcode", poll=0.5)
    finally:
        assert stop(process) == 0, process.stderr.read()
    (out,) = finished()
    assert _probe(out)["streams"][0]["codec_name"] == "h264"
    assert not list(cache.rglob(".part-*"))


def test_ffmpeg_gets_its_own_memory_bound_inside_a_capped_worker() -> None:
    """A worker's soft address-space cap (the safety limit) is too tight for a decoder's
    mapped libraries; the ffmpeg child sets its own bound instead of failing."""
    import sys

    from suite_env import REPO

    code = (
        "import resource, sys\n"
        "from appliance.media import ffmpeg\n"
        "resource.setrlimit(resource.RLIMIT_AS, (200 << 20, resource.RLIM_INFINITY))\n"
        "run = ffmpeg.run(['ffprobe', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=d=1'], 20)\n"
        "print(run.peak_rss > 0)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


def test_hevc_video_shows_its_poster_while_preparing(tmp_path: Path, corpus: Path) -> None:
    """A lone HEVC movie is a video; until its transcode exists the viewer shows the poster
    with "Preparing video", never an error; labels ran on the poster."""
    from appliance.config import Settings

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy2(corpus / "video" / "IMG_4102.MOV", folder / "clip.mov")
    root = tmp_path / "library"
    ingest(quick_settings(root, labels=True), folder)
    app = create_app(Settings(library=root, setup_file=root / "no-seed.toml"), Library(root))
    create_user("mum", PASSWORD, "admin")
    client = app.test_client()
    sign_in(client, "mum")
    photo = Photo.get()
    assert photo.kind == "video" and (photo.width, photo.height) == (272, 640)
    assert photo.labels_version > 0  # the classifier saw the poster frame
    page = client.get(f"/photo/{photo.id}").text
    assert "Preparing video" in page and 'poster="/media/thumb/viewer/' in page
    assert client.get(f"/media/thumb/viewer/{photo.primary_sha256}.jpg").status_code == 200
    run_pending(Library(root))
    page = client.get(f"/photo/{photo.id}").text
    assert "Preparing video" not in page and f'src="/media/video/{_sha_of("clip.mov")}"' in page
