"""Cameras and phones in PTP mode, imported through the real gphoto2.

libgphoto2's "Directory Browse" driver presents a folder as a camera, so the whole path
(detect -> download -> import as a volume -> clear staging) runs with the real program.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ingest_helpers import make_jpeg, sha256

from appliance.cli import main
from appliance.ingest import ptp

pytestmark = pytest.mark.skipif(
    shutil.which("gphoto2") is None, reason="gphoto2 is installed by scripts/bootstrap.sh test"
)


@pytest.fixture(autouse=True)
def _vision_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOEBOX_LABELS", "0")
    monkeypatch.setenv("SHOEBOX_FACES", "0")


def _card(root: Path) -> Path:
    """A camera card: the same name in two DCIM folders, and some litter."""
    make_jpeg(root / "DCIM/100CANON/IMG_0001.JPG", 1, "2021:06:01 10:00:00")
    make_jpeg(root / "DCIM/100CANON/IMG_0002.JPG", 2, "2021:06:01 10:05:00")
    make_jpeg(root / "DCIM/101CANON/IMG_0001.JPG", 3, "2021:07:01 09:00:00")
    return root


def _run(library: Path, card: Path) -> int:
    return main(
        ["--library", str(library), "import-camera"]
        + ["--camera", "Directory Browse", "--port", f"disk:{card}"]
    )


def test_camera_import_copies_everything_once_and_leaves_the_camera_alone(
    tmp_path: Path,
) -> None:
    card = _card(tmp_path / "card")
    before = {p: sha256(p) for p in card.rglob("*.JPG")}
    library = tmp_path / "lib"
    assert _run(library, card) == 0
    stored = sorted(p for p in (library / "originals").rglob("*") if p.is_file())
    assert sorted(sha256(p) for p in stored) == sorted(before.values())
    assert {str(p.relative_to(library / "originals")) for p in stored} == {
        "2021/06/IMG_0001.JPG",
        "2021/06/IMG_0002.JPG",
        "2021/07/IMG_0001.JPG",
    }
    assert not (library / "staging").exists() or not any((library / "staging").rglob("*.JPG"))
    assert before == {p: sha256(p) for p in card.rglob("*.JPG")}, "the camera was modified"
    # plugged in again: nothing new
    assert _run(library, card) == 0
    assert sorted(p for p in (library / "originals").rglob("*") if p.is_file()) == stored


def test_a_broken_file_stays_in_staging_and_the_rest_imports(tmp_path: Path, corpus: Path) -> None:
    card = _card(tmp_path / "card")
    shutil.copy(corpus / "bad/crafted/truncated_half.jpg", card / "DCIM/100CANON/IMG_0003.JPG")
    library = tmp_path / "lib"
    assert _run(library, card) == 1
    assert len([p for p in (library / "originals").rglob("*") if p.is_file()]) == 3
    left = [p.name for p in (library / "staging").rglob("*") if p.is_file()]
    assert left == ["IMG_0003.JPG"]


def test_auto_detect_output_is_parsed() -> None:
    text = (
        "Model                          Port\n"
        "----------------------------------------------------------\n"
        "Canon EOS 6D                   usb:001,007\n"
        "Apple iPhone (PTP mode)        usb:001,009\n"
    )
    assert ptp.parse_auto_detect(text) == [
        ptp.Camera("Canon EOS 6D", "usb:001,007"),
        ptp.Camera("Apple iPhone (PTP mode)", "usb:001,009"),
    ]
    assert ptp.detect_cameras() == []  # the real program, and no camera on this machine


def test_without_gphoto2_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["--library", str(tmp_path / "lib"), "import-camera"]) == 2
    assert "apt install gphoto2" in capsys.readouterr().err


def test_camera_id_does_not_depend_on_the_usb_port() -> None:
    a = ptp.camera_id(ptp.Camera("Nonexistent Camera", "usb:001,004"))
    b = ptp.camera_id(ptp.Camera("Nonexistent Camera", "usb:002,011"))
    assert a == b and a.startswith("nonexistent-camera-")


def test_the_download_works_whatever_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The appliance's unit starts in a read-only "/": gphoto2 writes each file to a
    temporary file in its working directory, so it must run in the staging folder (on main
    it said "Saving file as ..." for every file, exited 0 and stored nothing)."""
    card = _card(tmp_path / "card")
    monkeypatch.chdir("/proc")  # no file can be made here, even by root: as a read-only "/"
    library = tmp_path / "lib"
    assert _run(library, card) == 0
    assert len([p for p in (library / "originals").rglob("*") if p.is_file()]) == 3


def test_a_camera_showing_no_file_says_how_to_show_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A locked phone or one in "charging only" mode shows no file: the family is told
    what to do, and nothing fails."""
    empty = tmp_path / "phone"
    (empty / "DCIM").mkdir(parents=True)
    assert _run(tmp_path / "lib", empty) == 0
    err = capsys.readouterr().err
    assert "no photo is visible" in err and "choose File transfer" in err


def test_a_session_cut_short_resumes_without_the_partial_file(tmp_path: Path) -> None:
    """Files staged whole by a session cut short are kept (not fetched again); gphoto2's
    temporary file of the cut is removed, never imported."""
    card = _card(tmp_path / "card")
    library = tmp_path / "lib"
    camera = ptp.Camera("Directory Browse", f"disk:{card}")
    staging = library / "staging" / ptp.camera_id(camera)
    whole = staging / "DCIM/100CANON/IMG_0001.JPG"
    whole.parent.mkdir(parents=True)
    shutil.copy2(card / "DCIM/100CANON/IMG_0001.JPG", whole)
    staged_inode = whole.stat().st_ino
    (staging / "tmpfileAb12Cd").write_bytes(b"\xff\xd8 half a photo")
    files = ptp.download(camera, staging)
    assert whole.stat().st_ino == staged_inode, "a whole staged file was fetched again"
    assert sorted(p.relative_to(staging).as_posix() for p in files) == [
        "DCIM/100CANON/IMG_0001.JPG",
        "DCIM/100CANON/IMG_0002.JPG",
        "DCIM/101CANON/IMG_0001.JPG",
    ]
    assert _run(library, card) == 0
    assert len([p for p in (library / "originals").rglob("*") if p.is_file()]) == 3


def test_a_camera_gone_mid_session_is_a_pause_not_a_failure(tmp_path: Path) -> None:
    """Unplugged (here: the folder gphoto2 reads is gone): exit 75, as a pulled stick."""
    card = _card(tmp_path / "card")
    camera = ptp.Camera("Directory Browse", f"disk:{card}")
    shutil.rmtree(card)
    with pytest.raises(ptp.CameraGone):
        ptp.download(camera, tmp_path / "staging")
    assert _run(tmp_path / "lib", card) == 75


def test_the_status_page_names_the_phone_and_says_what_to_do(tmp_path: Path) -> None:
    """What the family sees: each camera by its name, with its files; a phone showing no
    file says how to show them, until a plug that shows them."""
    from appliance.catalog.db import open_catalog
    from appliance.library import Library
    from appliance.status import web_status

    library = tmp_path / "lib"
    phone = tmp_path / "phone"
    (phone / "DCIM").mkdir(parents=True)
    assert _run(library, phone) == 0
    open_catalog(Library(library).catalog_url)
    [said] = [s for s in web_status(Library(library))["sources"] if "Directory Browse" in s]
    assert "0 files found" in said and "choose File transfer" in said
    _card(phone)
    assert _run(library, phone) == 0
    [said] = [s for s in web_status(Library(library))["sources"] if "Directory Browse" in s]
    assert said.startswith("Directory Browse: 3 files found, 3 added, 0 already there, 0 failed")
    assert "File transfer" not in said


def test_a_phone_that_answers_its_first_session_with_an_io_error_is_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A phone plugged again at once may fail its first session ("PTP I/O Error", seen on
    the appliance with QEMU's MTP phone) while it is still there: the download is tried
    again and everything comes in. Here the real gphoto2 sits behind a wrapper that fails
    the first download as libgphoto2 does; an error that is not a USB hiccup is not
    retried."""
    card = _card(tmp_path / "card")
    real = shutil.which("gphoto2")
    wrapper = tmp_path / "bin" / "gphoto2"
    wrapper.parent.mkdir()
    failed_once = tmp_path / "failed-once"
    wrapper.write_text(
        "#!/bin/sh\n"
        'case "$*" in *--get-all-files*)\n'
        f'  if [ ! -e "{failed_once}" ]; then touch "{failed_once}"\n'
        "    echo '*** Error ***' >&2; echo 'PTP I/O Error' >&2; exit 1; fi;;\n"
        "esac\n"
        f'exec "{real}" "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}:{Path(real).parent}:/usr/bin:/bin")
    monkeypatch.setattr(ptp, "RETRY_PAUSES", (0.1, 0.1))
    library = tmp_path / "lib"
    assert _run(library, card) == 0
    assert failed_once.exists()
    assert "PTP I/O Error; trying again" in capsys.readouterr().err
    assert len([p for p in (library / "originals").rglob("*") if p.is_file()]) == 3

    attempts = tmp_path / "attempts"
    wrapper.write_text(
        "#!/bin/sh\n"
        'case "$*" in *--get-all-files*)\n'
        f"  echo try >> \"{attempts}\"; echo 'Not enough space' >&2; exit 1;;\n"
        "esac\n"
        f'exec "{real}" "$@"\n'
    )
    with pytest.raises(ptp.CameraError, match="Not enough space"):
        ptp.download(ptp.Camera("Directory Browse", f"disk:{card}"), tmp_path / "staging")
    assert attempts.read_text().splitlines() == ["try"]
