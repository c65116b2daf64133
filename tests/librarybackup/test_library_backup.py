"""Issue 23: a second copy of the whole library with the real restic, a real sshd on a
loopback port, real SIGKILLs, and a restore that `shoebox run` serves."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from ingest_helpers import make_jpeg
from web_fixtures import PASSWORD, Built, token

from appliance.catalog.users import create_user
from appliance.librarybackup import schedule
from appliance.librarybackup.targets import TargetError, TargetStore, parse_target
from tests.librarybackup import sshd
from tests.service.test_daemon_crash import daemon_env, wait_for

REPO = Path(__file__).resolve().parents[2]
needs_restic = pytest.mark.skipif(
    subprocess.run(["which", "restic"], capture_output=True).returncode != 0,
    reason="restic is not installed (scripts/bootstrap.sh test installs it)",
)


def shoebox(library: Path, state: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "appliance.cli", "--library", str(library), *args],
        env=daemon_env() | {"SHOEBOX_BACKUP_STATE": str(state), "SHOEBOX_CONFIG": ""} | env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def status_of(library: Path, state: Path) -> dict:
    """`library-backup status --json` (exit 1 when a target warns)."""
    done = shoebox(library, state, "library-backup", "status", "--json")
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".incoming" not in p.parts
    }


def summary_of(state: Path, name: str) -> dict:
    return TargetStore(state).read_status(name)["last_summary"]


def snapshot_count(repo: Path) -> int:
    return len(list((repo / "snapshots").iterdir()))


# --- pure parts ------------------------------------------------------------------------------


def test_target_strings() -> None:
    assert parse_target("/mnt/backup/shoebox") == ("folder", "/mnt/backup/shoebox")
    assert parse_target("sftp:nas@box.local:/srv/b") == ("sftp", "sftp:nas@box.local:/srv/b")
    assert parse_target("sftp://u@h:2222//srv/b")[0] == "sftp"
    assert parse_target("s3:https://s3.example.org/bucket/shoebox")[0] == "s3"
    for bad in ("sftp:nohost", "ftp://x/y", "sftp://u@h:22/"):
        with pytest.raises(TargetError):
            parse_target(bad)


def test_schedule_first_nightly_and_debounced_changes() -> None:
    at = dt.datetime(2026, 5, 5, 14, 0, tzinfo=dt.UTC).astimezone()
    assert schedule.due({}, changed=False, at=at) == "first"
    done = {"last_success": schedule.stamp(at), "last_attempt": schedule.stamp(at)}
    assert schedule.due(done, changed=True, at=at + dt.timedelta(minutes=30)) is None
    assert schedule.due(done, changed=True, at=at + dt.timedelta(minutes=61)) == "changes"
    assert schedule.due(done, changed=False, at=at + dt.timedelta(hours=5)) is None
    next_night = schedule.last_night(at + dt.timedelta(days=1)) + dt.timedelta(minutes=5)
    assert schedule.due(done, changed=False, at=next_night) == "nightly"
    failed = {"last_attempt": schedule.stamp(at)}  # never succeeded: retried hourly
    assert schedule.due(failed, changed=False, at=at + dt.timedelta(minutes=10)) is None
    assert schedule.due(failed, changed=False, at=at + dt.timedelta(minutes=61)) == "nightly"
    assert schedule.read_due({}, at) and not schedule.read_due(
        {"last_read_check": schedule.stamp(at)}, at + dt.timedelta(days=6)
    )


def test_restore_puts_files_trashed_during_the_scan_where_the_catalogue_expects(
    tmp_path: Path,
) -> None:
    from appliance.librarybackup.restore import _place_trashed

    originals = tmp_path / "originals"
    for rel in ("2020/01/a.jpg", ".trash/2020/02/b.jpg", "2020/03/c.jpg"):
        (originals / rel).parent.mkdir(parents=True, exist_ok=True)
        (originals / rel).write_bytes(rel.encode())
    stored = [("2020/01/a.jpg", True), ("2020/02/b.jpg", False), ("2020/03/c.jpg", False)]
    assert _place_trashed(originals, stored + [("2020/04/gone.jpg", False)]) == ["2020/04/gone.jpg"]
    assert (originals / ".trash/2020/01/a.jpg").read_bytes() == b"2020/01/a.jpg"
    assert (originals / "2020/02/b.jpg").read_bytes() == b".trash/2020/02/b.jpg"
    assert not (originals / "2020/01/a.jpg").exists() and (originals / "2020/03/c.jpg").exists()


# --- the whole family library: back up, change, back up, restore, serve --------------------


def _decide(web: Built, admin) -> dict[str, int]:  # noqa: ANN001 - Flask test client
    """What a family does between two backups, through the web API."""
    h = {"X-CSRF-Token": token(admin)}
    ids = sorted(web.photo_ids.values())
    fav, dated, trashed = ids[0], ids[1], ids[2]
    assert (
        admin.patch(f"/api/v1/photos/{fav}", json={"favorite": True}, headers=h).status_code == 200
    )
    when = {"taken_at": "2019-07-14T18:30:05+02:00"}
    assert admin.patch(f"/api/v1/photos/{dated}", json=when, headers=h).status_code == 200
    album = admin.post("/api/v1/albums", json={"title": "Summer", "photo_ids": ids[3:6]}, headers=h)
    assert album.status_code in (200, 201)
    share = admin.post(f"/api/v1/albums/{album.json['id']}/shares", json={}, headers=h)
    assert share.status_code == 201
    named = admin.patch(f"/api/v1/people/{web.obama_id}", json={"name": "Barack"}, headers=h)
    assert named.status_code == 200
    assert admin.delete(f"/api/v1/photos/{trashed}", headers=h).status_code == 200
    create_user("grandma", PASSWORD, "member")
    return {"favorite": fav, "dated": dated, "trashed": trashed}


def _rows(catalog: Path) -> dict[str, list]:
    """Users (hashed passwords), albums, share links, people: straight from the catalogue."""
    con = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    try:
        queries = {
            "users": 'SELECT username, password_hash, role FROM "user" ORDER BY username',
            "albums": "SELECT a.title, ap.photo_id FROM album a JOIN album_photo ap "
            "ON ap.album_id = a.id ORDER BY 1, 2",
            "shares": "SELECT token, revoked, allow_download FROM share_link ORDER BY token",
            "people": "SELECT id, name FROM person ORDER BY id",
        }
        return {k: con.execute(q).fetchall() for k, q in queries.items()}
    finally:
        con.close()


def _export(library: Path, state: Path) -> list[dict]:
    text = ok(shoebox(library, state, "export", "--format", "json"))
    return json.loads(text.replace(str(library), "LIBRARY"))


def _serve_and_fetch(library: Path, expect: dict[str, str]) -> int:
    """`shoebox run` on the restored library: sign in, list the photos, download originals."""
    port_sock = __import__("socket").socket()
    port_sock.bind(("127.0.0.1", 0))
    port = port_sock.getsockname()[1]
    port_sock.close()
    env = daemon_env() | {"SHOEBOX_CONFIG": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "appliance.cli", "--library", str(library), "run"]
        + ["--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                return requests.get(f"{base}/login", timeout=2).status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(up, 120, "the restored library's web UI")
        http = requests.Session()
        page = http.get(f"{base}/login", timeout=10).text
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        signed = http.post(
            f"{base}/login",
            data={"username": "alice", "password": PASSWORD, "csrf_token": csrf},
            allow_redirects=False,
            timeout=10,
        )
        assert signed.status_code == 302, signed.text[:300]
        items = http.get(f"{base}/api/v1/photos?limit=100", timeout=30).json()["items"]
        for sha, digest in expect.items():
            body = http.get(f"{base}/media/original/{sha}", timeout=30)
            assert body.status_code == 200 and hashlib.sha256(body.content).hexdigest() == digest
        return len(items)
    finally:
        proc.terminate()
        proc.wait(timeout=60)


@needs_restic
def test_backup_again_sends_only_new_data_and_restore_brings_back_everything(
    web: Built,
    admin,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    root, state, repo = web.library.root, tmp_path / "sd", tmp_path / "usb" / "shoebox-library"
    added = ok(shoebox(root, state, "library-backup", "add", "usb", str(repo)))
    key = re.search(r"KEY:\s+(\S+)", added).group(1)
    assert (state / "keys" / "usb.key").read_text().strip() == key  # kept on the SD card
    assert oct((state / "keys" / "usb.key").stat().st_mode & 0o777) == "0o600"
    assert key in (state / "recovery" / "usb.txt").read_text()

    status = status_of(root, state)
    assert status["targets"][0]["last_success"] is None
    assert status["targets"][0]["photos_not_backed_up"] == len(web.photo_ids)

    ok(shoebox(root, state, "library-backup", "run"))
    first = summary_of(state, "usb")
    library_bytes = sum(p.stat().st_size for p in (root / "originals").rglob("*") if p.is_file())
    assert first["data_added"] > library_bytes  # every original went

    # new photos and the family's decisions, then a second run
    card = tmp_path / "card"
    new = [
        make_jpeg(card / f"NEW_{i}.jpg", 70 + i, "2024:08:0{i} 12:00:00", (640, 480))
        for i in (1, 2)
    ]
    ok(shoebox(root, state, "import", str(card)))
    decided = _decide(web, admin)
    status = status_of(root, state)
    assert status["targets"][0]["photos_not_backed_up"] == 2
    ok(shoebox(root, state, "library-backup", "run", "usb"))
    second = summary_of(state, "usb")
    new_bytes = sum(p.stat().st_size for p in new)
    catalog_bytes = (root / "catalog.db").stat().st_size
    assert second["files_new"] <= 6  # two photos (+ sidecars), the catalogue copy's files
    assert second["data_added"] < new_bytes + catalog_bytes + 256 * 1024, (second, new_bytes)
    assert second["data_added"] < first["data_added"] / 4
    status = status_of(root, state)
    report = status["targets"][0]
    assert report["photos_not_backed_up"] == 0 and report["warning"] is None

    # restore into an empty folder
    restored = tmp_path / "new-disk"
    restored.mkdir()
    (restored / "lost+found").mkdir()  # a fresh ext4 disk, prepared by the appliance
    (restored / "inbox").mkdir()
    out = ok(shoebox(root, state, "library-backup", "restore", "usb", "--to", str(restored)))
    assert "missing" not in out
    assert digests(restored / "originals") == digests(root / "originals")
    assert (restored / "originals" / ".trash").is_dir()  # the trash came back too
    assert _rows(restored / "catalog.db") == _rows(root / "catalog.db")
    before, after = _export(root, state), _export(restored, state)
    assert after == before
    by_id = {r["id"]: r for r in after}
    assert by_id[decided["favorite"]]["favorite"] is True
    assert by_id[decided["dated"]]["taken_at"].startswith("2019-07-14T18:30:05")
    assert by_id[decided["trashed"]]["trashed_at"] is not None
    assert any(p["name"] == "Barack" for r in after for p in r["people"])
    assert any(a["title"] == "Summer" for r in after for a in r["albums"])

    shown = [f for r in after if not r["trashed_at"] for f in r["files"] if f.get("stored_path")]
    expect = {f["sha256"]: f["sha256"] for f in shown[:3]}
    served = _serve_and_fetch(restored, expect)
    assert served == sum(1 for r in after if not r["trashed_at"] and not r["archived"])


# --- power cut, lost network, plugged disk, status ------------------------------------------


def _library_with_bulk(tmp_path: Path, state: Path, megabytes: int) -> Path:
    """A library of three photos plus ``megabytes`` of incompressible originals (videos)."""
    card = tmp_path / "card"
    for i in range(3):
        make_jpeg(card / f"IMG_{i}.jpg", 10 + i, f"2020:0{i + 1}:02 10:00:00")
    root = tmp_path / "lib"
    ok(shoebox(root, state, "import", str(card)))
    bulk = root / "originals" / "2021" / "bulk"
    bulk.mkdir(parents=True)
    for i in range(megabytes):
        (bulk / f"clip-{i:04d}.bin").write_bytes(os.urandom(1 << 20))
    return root


def _start_run(root: Path, state: Path, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "appliance.cli", "--library", str(root)]
        + ["library-backup", "run", name],
        env=daemon_env() | {"SHOEBOX_BACKUP_STATE": str(state), "SHOEBOX_CONFIG": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _packs(repo: Path) -> int:
    return sum(1 for d in (repo / "data").iterdir() for _ in d.iterdir())


def _process_group(pgid: int) -> list[int]:
    """The processes of a process group (from /proc)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # after the command: state, ppid, pgrp
            members.append(int(stat.parent.name))
    return members


def _backup_under_way(tmp_path: Path, megabytes: int) -> tuple[Path, Path, Path, subprocess.Popen]:
    """(state, repository, library, the run) once restic is writing data to a folder target."""
    state, repo = tmp_path / "sd", tmp_path / "usb" / "shoebox-library"
    root = _library_with_bulk(tmp_path, state, megabytes)
    ok(shoebox(root, state, "library-backup", "add", "usb", str(repo)))
    packs = _packs(repo)
    run = _start_run(root, state, "usb")
    wait_for(lambda: _packs(repo) > packs + 1, 120, "restic writing data", poll=0.01)
    return state, repo, root, run


@needs_restic
def test_sigkill_mid_backup_leaves_a_repository_the_next_run_completes(tmp_path: Path) -> None:
    state, repo, root, run = _backup_under_way(tmp_path, 300)
    cut = _process_group(run.pid)  # shoebox and its restic
    os.killpg(run.pid, signal.SIGKILL)  # the power cut: shoebox and restic die at once
    run.wait(timeout=30)
    assert run.returncode == -signal.SIGKILL
    # After a power cut none of them exists. Here the orphaned restic is reaped by PID 1,
    # later under load; until then its lock looks live to restic (its PID answers).
    wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in cut), 60, "restic reaped")
    assert snapshot_count(repo) == 0  # it was cut mid-backup
    assert list((repo / "locks").iterdir())  # ... and left its lock behind
    done = shoebox(root, state, "library-backup", "status", "--json")
    report = json.loads(done.stdout)["targets"][0]
    assert done.returncode == 1 and report["warning"] == "no good backup yet"
    assert report["running"] is False and report["last_success"] is None  # not a stale mark

    out = ok(shoebox(root, state, "library-backup", "run"))
    assert "check ok" in out and snapshot_count(repo) == 1
    restored = tmp_path / "restored"
    ok(shoebox(root, state, "library-backup", "restore", "usb", "--to", str(restored)))
    assert digests(restored / "originals") == digests(root / "originals")


@needs_restic
def test_a_stop_mid_backup_stops_restic_cleanly_and_the_next_run_completes(
    tmp_path: Path,
) -> None:
    """systemd stops the disk's unit when the disk is pulled (SIGTERM to shoebox only,
    KillMode=mixed): restic is stopped with it and leaves no lock."""
    state, repo, root, run = _backup_under_way(tmp_path, 200)
    run.send_signal(signal.SIGTERM)
    run.communicate(timeout=60)
    assert run.returncode == 75  # interrupted, not failed: SuccessExitStatus=75 in the units
    assert snapshot_count(repo) == 0 and not list((repo / "locks").iterdir())
    status = TargetStore(state).read_status("usb")
    assert "running" not in status and status.get("last_success") is None
    assert "check ok" in ok(shoebox(root, state, "library-backup", "run"))
    assert snapshot_count(repo) == 1


@needs_restic
@pytest.mark.skipif(not sshd.available(), reason="openssh-server is not installed")
def test_sftp_target_on_a_real_sshd_survives_a_lost_network(tmp_path: Path) -> None:
    state = tmp_path / "sd"
    root = _library_with_bulk(tmp_path, state, 150)
    server = sshd.SSHServer(tmp_path / "nas")
    server.start()
    try:
        repo = tmp_path / "nas-disk" / "shoebox"
        target = server.url(repo)
        refused = shoebox(root, state, "library-backup", "add", "nas", target)
        assert refused.returncode == 1 and "authorized_keys" in refused.stderr
        server.authorize((state / "ssh" / "id_ed25519.pub").read_text())
        ok(shoebox(root, state, "library-backup", "add", "nas", target))
        assert (repo / "config").is_file()  # made over SFTP

        run = _start_run(root, state, "nas")
        wait_for(lambda: _packs(repo) > 1, 120, "restic sending data", poll=0.01)
        server.kill()  # the network is gone mid-backup
        _, err = run.communicate(timeout=300)
        assert run.returncode == 1 and "nas:" in err
        done = shoebox(root, state, "library-backup", "status", "--json")
        report = json.loads(done.stdout)["targets"][0]
        assert report["last_error"] and report["last_success"] is None

        server.start()  # the network is back
        out = ok(shoebox(root, state, "library-backup", "run", "nas"))
        assert "check ok" in out and snapshot_count(repo) == 1
        restored = tmp_path / "restored"
        ok(shoebox(root, state, "library-backup", "restore", "nas", "--to", str(restored)))
        assert digests(restored / "originals") == digests(root / "originals")
    finally:
        server.stop()


@needs_restic
def test_plugged_backup_disk_is_taken_on_and_brought_up_to_date(tmp_path: Path) -> None:
    state, disk = tmp_path / "sd", tmp_path / "srv-shoebox-backup"
    root = _library_with_bulk(tmp_path, state, 0)
    disk.mkdir()
    out = ok(shoebox(root, state, "library-backup", "plugged", str(disk)))
    assert "RECOVERY SHEET" in out and "check ok" in out
    assert [t.name for t in TargetStore(state).targets()] == ["backup-disk"]
    make_jpeg(tmp_path / "later" / "x.jpg", 99, "2022:02:02 02:02:02")
    ok(shoebox(root, state, "import", str(tmp_path / "later")))
    out = ok(shoebox(root, state, "library-backup", "plugged", str(disk)))  # plugged again
    assert "RECOVERY SHEET" not in out and "check ok" in out
    assert len(TargetStore(state).targets()) == 1
    assert snapshot_count(disk / "shoebox-library") == 2
    # the weekly maintenance thins out the snapshots: the last 3 (and one a day...) stay
    for _ in range(3):
        ok(shoebox(root, state, "library-backup", "run", "backup-disk"))
    assert snapshot_count(disk / "shoebox-library") == 5
    store = TargetStore(state)
    status = store.read_status("backup-disk")
    status["last_read_check"] = schedule.stamp(schedule.now() - dt.timedelta(days=8))
    store.write_status("backup-disk", status)
    out = ok(shoebox(root, state, "library-backup", "run", "backup-disk"))
    assert "data sample read ok" in out
    assert snapshot_count(disk / "shoebox-library") == 3
    # a new, empty library on the same box is never backed up over the real one
    empty = tmp_path / "empty-lib"
    (tmp_path / "nothing-here-yet").mkdir()
    ok(shoebox(empty, state, "import", str(tmp_path / "nothing-here-yet")))
    refused = shoebox(empty, state, "library-backup", "run", "backup-disk")
    assert refused.returncode == 1 and "not backing up an empty library" in refused.stderr
    assert snapshot_count(disk / "shoebox-library") == 3
    # due only when something changed (or at night): the hourly timer's check
    assert "backed up" not in ok(shoebox(root, state, "library-backup", "run", "--if-due"))

    # one day back, and one photo, from the disk
    day = tmp_path / "one-day"
    out = ok(
        shoebox(
            root,
            state,
            "library-backup",
            "restore",
            "backup-disk",
            "--to",
            str(day),
            "--day",
            "2022-02-02",
        )
    )
    assert sorted(digests(day / "originals")) == ["2022/02/x.jpg"]


@needs_restic
def test_status_warns_after_a_week_and_a_lost_box_restores_with_the_key(tmp_path: Path) -> None:
    state = tmp_path / "sd"
    root = _library_with_bulk(tmp_path, state, 0)
    repo = tmp_path / "usb" / "shoebox-library"
    ok(
        shoebox(
            root,
            state,
            "library-backup",
            "add",
            "usb",
            str(repo),
            SHOEBOX_BACKUP_PASSWORD="family secret 1",
        )
    )
    settings = tmp_path / "etc" / "shoebox.toml"
    settings.parent.mkdir()
    settings.write_text(f'[shoebox]\nlibrary = "{root}"\nport = 8099\n')
    ok(shoebox(root, state, "library-backup", "run", SHOEBOX_CONFIG=str(settings)))
    store = TargetStore(state)
    status = store.read_status("usb")
    status["last_success"] = schedule.stamp(schedule.now() - dt.timedelta(days=8))
    store.write_status("usb", status)
    done = shoebox(root, state, "library-backup", "status")
    assert done.returncode == 1 and "WARNING: no good backup for 8 days" in done.stdout
    # the disk is not plugged in: the hourly check skips it quietly, a run by hand says why
    repo.rename(repo.with_name("elsewhere"))
    skipped = ok(shoebox(root, state, "library-backup", "run", "--if-due"))
    assert "usb: " in skipped and "not plugged in" in skipped
    assert store.read_status("usb").get("last_error") is None
    failed = shoebox(root, state, "library-backup", "run", "usb")
    assert failed.returncode == 1 and "is the backup disk plugged in?" in failed.stderr
    assert "plugged in" in store.read_status("usb")["last_error"]
    repo.with_name("elsewhere").rename(repo)

    # the box is lost: a new SD card, the key from the recovery sheet
    fresh = tmp_path / "new-sd"
    wrong = shoebox(
        root, fresh, "library-backup", "add", "usb", str(repo), SHOEBOX_BACKUP_PASSWORD="guess"
    )
    assert wrong.returncode == 1 and "does not open" in wrong.stderr
    ok(
        shoebox(
            root,
            fresh,
            "library-backup",
            "add",
            "usb",
            str(repo),
            SHOEBOX_BACKUP_PASSWORD="family secret 1",
        )
    )
    restored = tmp_path / "restored"
    ok(
        shoebox(
            tmp_path / "nothing", fresh, "library-backup", "restore", "usb", "--to", str(restored)
        )
    )
    assert digests(restored / "originals") == digests(root / "originals")
    kept = restored / ".library-backup" / "shoebox-catalog" / "shoebox.toml"
    assert kept.read_text() == settings.read_text()  # the box's settings came back too
    again = shoebox(root, fresh, "library-backup", "restore", "usb", "--to", str(restored))
    assert again.returncode == 1 and "not empty" in again.stderr


def test_status_page_shows_each_target_and_warns(app, admin, tmp_path: Path) -> None:  # noqa: ANN001
    page = admin.get("/status").text
    assert "No second copy yet" in page
    state = tmp_path / "sd"
    app.config["SHOEBOX_SETTINGS"].backup_state = state
    store = TargetStore(state)
    store.add("usb", str(tmp_path / "usb"), "key")
    store.add("nas", "sftp:me@nas.local:/backups/shoebox", "key")
    old = schedule.now() - dt.timedelta(days=9)
    store.write_status("usb", {"last_success": schedule.stamp(old), "backed_up_max_photo_id": 3})
    page = admin.get("/status").text
    usb = re.search(r"<li class=\"(\w+)\">(usb [^<]*)</li>", page)
    assert usb and usb.group(1) == "error" and "no good backup for 9 days" in usb.group(2)
    assert "photos not backed up yet" in usb.group(2) and "9 d ago" in usb.group(2)
    nas = re.search(r"<li class=\"(\w+)\">(nas [^<]*)</li>", page)
    assert nas and "last good backup never" in nas.group(2)
