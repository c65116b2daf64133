"""Item 1 and 9 of the data-safety issue: file names that are not UTF-8, FIFOs, sockets and
unreadable folders, names with a newline, a full disk, and `import`'s exit code."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from ingest_helpers import make_jpeg, quick_settings
from web_fixtures import Built

from appliance.catalog.fields import from_catalog, to_catalog
from appliance.catalog.models import File
from appliance.cli import main
from appliance.ingest.discover import iter_media_files
from tests.service.test_daemon_crash import daemon_env, query, wait_for

BAD = os.fsdecode(b"bad\xff\xfename.jpg")  # not UTF-8: surrogate escapes in Python


def _import(library: Path, folder: Path, capsys: pytest.CaptureFixture) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--library", str(library), "import", str(folder)])
    return code, capsys.readouterr().out


def test_catalog_keeps_undecodable_bytes_exactly() -> None:
    text = "/in/" + BAD
    stored = to_catalog(text)
    stored.encode("utf-8")  # valid UTF-8 for SQLite
    assert from_catalog(stored) == text
    assert os.fsencode(from_catalog(stored)) == b"/in/bad\xff\xfename.jpg"


def test_non_utf8_name_imports_and_exports_its_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOEBOX_LABELS", "0")
    monkeypatch.setenv("SHOEBOX_FACES", "0")
    source = tmp_path / "card"
    make_jpeg(source / BAD, 1, "2021:05:06 07:08:09")
    code, out = _import(tmp_path / "lib", source, capsys)
    assert code == 0, out
    assert "1 added" in out
    assert main(["--library", str(tmp_path / "lib"), "export", "--format", "json"]) == 0
    text = capsys.readouterr().out
    text.encode("utf-8")  # the export is valid UTF-8
    (record,) = json.loads(text)
    entry = record["files"][0]
    assert os.fsencode(Path(entry["seen_at"][0]).name) == b"bad\xff\xfename.jpg"
    stored = entry["stored_path"]
    stored.encode("utf-8")  # the library's own copy has a safe name
    assert stored == "2021/05/bad__name.jpg"
    assert (tmp_path / "lib" / "originals" / stored).is_file()


def test_fifo_socket_and_unreadable_folder_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOEBOX_LABELS", "0")
    monkeypatch.setenv("SHOEBOX_FACES", "0")
    source = tmp_path / "stick"
    make_jpeg(source / "a.jpg", 2)
    os.mkfifo(source / "pipe.jpg")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(source / "sock.jpg"))
    skipped: list[tuple[Path, str]] = []
    assert [p.name for p in iter_media_files(source, lambda *i: skipped.append(i))] == ["a.jpg"]
    reasons = {p.name: why for p, why in skipped}
    assert "FIFO" in reasons["pipe.jpg"] and "socket" in reasons["sock.jpg"]
    code, out = _import(tmp_path / "lib", source, capsys)
    server.close()
    assert code == 0 and "pipe.jpg: skipped: a FIFO" in out and "sock.jpg: skipped" in out


def unprivileged(command: list[str]) -> list[str]:
    """``command`` without the privilege to read any folder: as root (CI), through setpriv
    with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped from the bounding set (root then
    meets permission bits like any user, and still reads its own checkout)."""
    if os.geteuid() != 0:
        return command
    caps = "--bounding-set=-dac_override,-dac_read_search"
    return ["setpriv", "--inh-caps=-all", caps, "--", *command]


def test_unreadable_folder_is_reported_and_fails_the_import(tmp_path: Path) -> None:
    source = tmp_path / "stick"
    make_jpeg(source / "a.jpg", 2)
    locked = source / "locked"
    make_jpeg(locked / "b.jpg", 3)
    locked.chmod(0)
    cli = [sys.executable, "-m", "appliance.cli", "--library", str(tmp_path / "lib"), "import"]
    try:
        done = subprocess.run(
            unprivileged([*cli, str(source)]),
            env=daemon_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        locked.chmod(0o755)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "locked: cannot read the folder: Permission denied" in done.stdout, done.stdout
    assert "1 added" in done.stdout  # the readable photo beside it is imported


def test_daemon_survives_a_non_utf8_name_in_the_inbox(tmp_path: Path) -> None:
    library, inbox = tmp_path / "lib", tmp_path / "inbox"
    inbox.mkdir()
    make_jpeg(inbox / BAD, 4)
    make_jpeg(inbox / "good.jpg", 5)
    os.mkfifo(inbox / "fifo.jpg")
    proc = subprocess.Popen(
        [sys.executable, "-m", "appliance.cli", "--library", str(library), "run", "--no-web"]
        + ["--inbox", str(inbox)],
        env=daemon_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    try:
        wait_for(
            lambda: query(library, "SELECT COUNT(*) FROM photo")[:1] == [(2,)],
            90,
            "both inbox files imported",
        )
        # the source goes only after the commit and the rename: give that step its moment
        wait_for(lambda: sorted(os.listdir(inbox)) == ["fifo.jpg"], 30, "imported sources gone")
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert sorted(os.listdir(inbox)) == ["fifo.jpg"]  # both imported, the FIFO left
        status = {}
        deadline = time.time() + 10
        while time.time() < deadline and not status.get("skipped"):
            status = json.loads((library / "daemon.json").read_text())
            time.sleep(0.2)
        assert any("FIFO" in s["reason"] for s in status["skipped"])
        # item 3: the running service backed up the batch that changed the catalog
        wait_for(lambda: _backed_up_photos(library) == 2, 30, "a backup holding both photos")
    finally:
        proc.terminate()
        proc.wait(30)
    assert proc.returncode == 0


def _backed_up_photos(library: Path) -> int:
    from appliance.catalog.backups import list_backups, photo_count

    backups = list_backups(library / "backups")
    return photo_count(backups[0].path) if backups else 0


def test_name_with_newline_downloads(admin: FlaskClient, web: Built) -> None:
    file = File.select().where(File.sha256.is_null(False)).first()
    File.update(original_name="line\none\xe9.jpg").where(File.id == file.id).execute()
    response = admin.get(f"/media/original/{file.sha256}?download=1")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "\n" not in disposition
    assert disposition == (
        "attachment; filename=\"line_one__.jpg\"; filename*=UTF-8''line%0Aone%C3%A9.jpg"
    )
    File.update(original_name=BAD).where(File.id == file.id).execute()
    response = admin.get(f"/media/original/{file.sha256}?download=1")
    assert response.status_code == 200
    assert "filename*=UTF-8''bad%FF%FEname.jpg" in response.headers["Content-Disposition"]


def test_import_exits_non_zero_when_files_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOEBOX_LABELS", "0")
    monkeypatch.setenv("SHOEBOX_FACES", "0")
    source = tmp_path / "src"
    make_jpeg(source / "ok.jpg", 6)
    (source / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)
    code, out = _import(tmp_path / "lib", source, capsys)
    assert code == 1 and "1 failed" in out and "broken.jpg" in out


def test_full_disk_says_so(tmp_path: Path) -> None:
    """A real ENOSPC from the kernel: the copy's partial file is /dev/full."""
    from ingest_helpers import sha256

    from appliance.ingest.runner import Ingestor
    from appliance.records import FileTask

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    settings = quick_settings(tmp_path / "lib")
    source = make_jpeg(tmp_path / "src" / "photo.jpg", 7)
    with Ingestor(settings) as ingestor:  # (start-up clears .incoming: link it after)
        partial = ingestor.library.incoming / f"{sha256(source)}.partial"
        partial.symlink_to("/dev/full")
        (outcome,) = ingestor.process([FileTask(source, "import", "copy")])
    assert outcome.status == "failed" and outcome.transient
    assert outcome.error.startswith("the library disk is full")
    assert source.exists()
