"""The concurrency torture run (issue 28): the real service, real `shoebox` commands beside
it, uploads and API edits over HTTP, and SIGKILLs of the service at random moments.

Every write the system acknowledged is logged here: an upload answered 201, an API edit
answered 2xx, a photo dropped into the inbox (the family's only copy: the inbox deletes it
once imported), an `import-volume` that exited 0. After a clean restart, `verify` checks each
one is in the catalogue, that the catalogue is whole, and that originals/ and the catalogue
agree file for file. Used by tests/service/test_torture.py (short) and bench/bench_torture.py.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "a long torture passphrase"
SIDE_COMMANDS = ("status", "export", "search", "import-volume", "backup")


def jpeg_bytes(seed: int) -> bytes:
    """A small JPEG whose content is unique to ``seed``."""
    pixels = np.random.default_rng(seed).integers(0, 256, (24, 32, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=80)
    return out.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Ledger:
    """What was acknowledged (and what was tried without an answer), thread-safe."""

    contents: dict[str, str] = field(default_factory=dict)  # sha256 -> how it came
    titles: dict[int, list[tuple[str, bool]]] = field(default_factory=dict)  # id -> tries
    counts: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledged(self, kind: str, digest: str) -> None:
        with self.lock:
            self.contents[digest] = kind
            self.counts[kind] += 1

    def tried_title(self, photo_id: int, title: str, answered: bool) -> None:
        with self.lock:
            self.titles.setdefault(photo_id, []).append((title, answered))
            self.counts["edit" if answered else "edit unanswered"] += 1

    def count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1

    def failed(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)

    def acknowledged_writes(self) -> int:
        return len(self.contents) + self.counts["edit"]


class Service:
    """`shoebox run` as systemd runs it: restarted after every kill (a refusal, exit 3,
    is retried like Restart=on-failure does)."""

    def __init__(self, library: Path, inbox: Path, env: dict[str, str]) -> None:
        self.library, self.inbox, self.env = library, inbox, env
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = (library.parent / "service.log").open("ab")
        self.refusals = 0

    def start(self) -> None:
        command = [sys.executable, "-m", "appliance.cli", "--library", str(self.library)]
        command += ["run", "--inbox", str(self.inbox), "--host", "127.0.0.1"]
        command += ["--port", str(self.port)]
        self.process = subprocess.Popen(
            command, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def answers(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/login")
            return conn.getresponse().status == 200
        except OSError:
            return False

    def start_and_wait(self, timeout: float = 120) -> None:
        """Start, and again while it is refused; return once the web UI answers."""
        deadline = time.monotonic() + timeout
        self.start()
        while not self.answers():
            if self.process.poll() is not None:
                self.refusals += 1
                time.sleep(0.5)
                self.start()
            if time.monotonic() > deadline:
                raise AssertionError(f"the service did not come up in {timeout} s")
            time.sleep(0.1)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=120)
        finally:
            self.process.kill()


class Client:
    """A signed-in browser session over plain HTTP; any failure to talk is OSError."""

    def __init__(self, port: int, user: str = "alice", password: str = PASSWORD) -> None:
        self.port, self.user, self.password = port, user, password
        self.cookie = ""
        self.csrf = ""

    def _request(self, method: str, path: str, body: bytes | None, headers: dict) -> tuple:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            reply = conn.getresponse()
            return reply, reply.read()
        except http.client.HTTPException as exc:
            raise ConnectionError(str(exc)) from exc
        finally:
            conn.close()

    def sign_in(self) -> None:
        reply, page = self._request("GET", "/login", None, {})
        csrf = re.search(rb'csrf-token" content="([^"]+)"', page).group(1).decode()
        cookie = reply.getheader("Set-Cookie", "").split(";")[0]
        secret = self.password.replace(" ", "+")
        form = f"username={self.user}&password={secret}&csrf_token={csrf}"
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        reply, _ = self._request("POST", "/login", form.encode(), headers)
        if reply.status not in (302, 303):
            raise ConnectionError(f"sign-in answered {reply.status}")
        self.cookie = reply.getheader("Set-Cookie", "").split(";")[0]
        reply, page = self._request("GET", "/", None, {"Cookie": self.cookie})
        self.csrf = re.search(rb'csrf-token" content="([^"]+)"', page).group(1).decode()

    def call(self, method: str, path: str, body: bytes | None = None, kind: str = "") -> tuple:
        if not self.cookie:
            self.sign_in()
        headers = {"Cookie": self.cookie, "X-CSRF-Token": self.csrf}
        if kind:
            headers["Content-Type"] = kind
        reply, data = self._request(method, path, body, headers)
        if reply.status == 401:
            self.cookie = ""
        return reply.status, data


class Torture:
    """Runs the actors for ``seconds`` while killing the service every ``kill_every`` s."""

    def __init__(
        self,
        root: Path,
        seconds: float,
        kill_every: tuple[float, float],
        catalog_url: str = "",
        seed: int = 28,
    ) -> None:
        self.root, self.seconds, self.kill_every = root, seconds, kill_every
        self.library, self.inbox = root / "library", root / "inbox"
        self.inbox.mkdir(parents=True)
        self.rng = random.Random(seed)
        self.env = {
            **os.environ,
            "SHOEBOX_LABELS": "0",
            "SHOEBOX_FACES": "0",
            "SHOEBOX_SETTLE_SECONDS": "0.2",
            "SHOEBOX_WORKERS": "2",
            "SHOEBOX_PASSWORD": PASSWORD,
            "PYTHONPATH": str(REPO),
        }
        self.env.pop("NOTIFY_SOCKET", None)
        if catalog_url:
            self.env["SHOEBOX_CATALOG_URL"] = catalog_url
        self.catalog_url = catalog_url
        self.service = Service(self.library, self.inbox, self.env)
        self.ledger = Ledger()
        self.stopping = threading.Event()
        self.service_up = threading.Event()
        self.seeds = iter(range(10_000, 10**9))
        self.seed_lock = threading.Lock()
        self.kills = 0
        self.processes = 1

    def shoebox(self, *args: str, timeout: float = 300, counted: bool = True) -> Any:
        """A `shoebox` command beside the service (``counted``: one of the run's processes)."""
        command = [sys.executable, "-m", "appliance.cli", "--library", str(self.library), *args]
        with self.seed_lock:
            self.processes += counted
        return subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def new_photo(self) -> bytes:
        with self.seed_lock:
            return jpeg_bytes(next(self.seeds))

    # the actors ---------------------------------------------------------------------

    def killer(self) -> None:
        while not self.stopping.wait(self.rng.uniform(*self.kill_every)):
            self.service_up.clear()
            self.service.kill()
            self.kills += 1
            self.service.start_and_wait()
            with self.seed_lock:
                self.processes += 1
            self.service_up.set()

    def uploader(self) -> None:
        client, n = Client(self.service.port), 0
        while not self.stopping.is_set():
            data, n = self.new_photo(), n + 1
            try:
                status, body = client.call(
                    "POST", f"/api/v1/uploads?name=upload_{n}.jpg", data, "image/jpeg"
                )
            except OSError:
                self.ledger.count("upload unanswered")
                self.service_up.wait(120)
                continue
            if status == 201:
                self.ledger.acknowledged("upload", sha256(data))
            elif status != 401:
                self.ledger.failed(f"upload answered {status}: {body[:200]!r}")

    def editor(self) -> None:
        client, n = Client(self.service.port), 0
        while not self.stopping.is_set():
            try:
                status, body = client.call("GET", "/api/v1/photos?limit=50")
                ids = [item["id"] for item in json.loads(body)["items"]] if status == 200 else []
                if not ids:
                    time.sleep(0.2)
                    continue
                photo_id, n = self.rng.choice(ids), n + 1
                title = f"torture title {n}"
                payload = json.dumps({"title": title}).encode()
            except OSError:
                self.service_up.wait(120)
                continue
            try:
                status, body = client.call(
                    "PATCH", f"/api/v1/photos/{photo_id}", payload, "application/json"
                )
            except OSError:
                self.ledger.tried_title(photo_id, title, answered=False)
                self.service_up.wait(120)
                continue
            if 200 <= status < 300:
                self.ledger.tried_title(photo_id, title, answered=True)
            elif status not in (401, 404):  # 404: a photo trashed meanwhile (none here)
                self.ledger.failed(f"edit answered {status}: {body[:200]!r}")

    def dropper(self) -> None:
        staging, n = self.root / "staging", 0
        staging.mkdir()
        while not self.stopping.wait(self.rng.uniform(0.05, 0.4)):
            data, n = self.new_photo(), n + 1
            (staging / f"drop_{n}.jpg").write_bytes(data)
            os.replace(staging / f"drop_{n}.jpg", self.inbox / f"drop_{n}.jpg")
            self.ledger.acknowledged("inbox", sha256(data))

    def side_commands(self) -> None:
        sticks = 0
        while not self.stopping.is_set():
            command = self.rng.choice(SIDE_COMMANDS)
            if command == "import-volume":
                sticks += 1
                self.import_stick(sticks)
                continue
            args = {"search": ("search", "torture"), "status": ("status",)}.get(command, (command,))
            result = self.shoebox(*args)
            self.ledger.count(f"ran {command}")
            expected = (0, 2) if command == "backup" and self.catalog_url else (0,)
            if result.returncode not in expected:
                self.ledger.failed(
                    f"`shoebox {command}` exited {result.returncode}: {result.stderr[-500:]}"
                )

    def import_stick(self, number: int) -> None:
        stick = self.root / "sticks" / f"stick{number}" / "DCIM" / "100CANON"
        stick.mkdir(parents=True)
        digests = []
        for i in range(4):
            data = self.new_photo()
            (stick / f"IMG_{i:04d}.JPG").write_bytes(data)
            digests.append(sha256(data))
        result = self.shoebox("import-volume", "--uuid", f"STICK-{number}", str(stick.parents[1]))
        self.ledger.count("ran import-volume")
        if result.returncode == 0:
            for digest in digests:
                self.ledger.acknowledged("stick", digest)
        else:
            self.ledger.failed(
                f"`shoebox import-volume` exited {result.returncode}: "
                f"{result.stdout[-300:]} {result.stderr[-500:]}"
            )

    # the run ------------------------------------------------------------------------

    def run(self) -> None:
        result = self.shoebox("user", "add", "alice", "--role", "admin")
        assert result.returncode == 0, result.stderr
        self.service.start_and_wait()
        self.service_up.set()
        actors = [self.killer, self.uploader, self.editor, self.dropper, self.side_commands]
        threads = [threading.Thread(target=actor, name=actor.__name__) for actor in actors]
        for thread in threads:
            thread.start()
        time.sleep(self.seconds)
        self.stopping.set()
        for thread in threads:
            thread.join(timeout=600)
            assert not thread.is_alive(), f"{thread.name} did not stop"

    def settle(self, timeout: float = 300) -> int:
        """After the run: a clean restart, every queued job done, a clean stop (its code)."""
        self.service.kill()
        self.service.start_and_wait()
        deadline = time.monotonic() + timeout
        while True:
            status = self.shoebox("status", "--json", counted=False)
            jobs = json.loads(status.stdout)["queue"] if status.returncode == 0 else {}
            busy = jobs.get("pending", 1) + jobs.get("running", 0) + jobs.get("paused", 0)
            inbox_left = [p for p in self.inbox.rglob("*") if p.is_file()]
            in_flight = [p for p in self.library.joinpath("originals", ".incoming").glob("*")]
            if status.returncode == 0 and busy == 0 and not inbox_left and not in_flight:
                break  # (a shared catalogue finishes a killed run's copies once they age)
            if time.monotonic() > deadline:
                raise AssertionError(f"not settled: {status.stdout} {status.stderr}")
            time.sleep(0.5)
        return self.service.stop()

    def verify(self) -> list[str]:
        """Every acknowledged write is in the catalogue, which is whole and agrees with
        originals/ file for file; returns what is wrong (empty: nothing)."""
        from appliance.catalog.db import Catalog
        from appliance.catalog.models import File, Job, Photo
        from appliance.catalog.sidecars import sidecar_paths
        from appliance.library import Library

        library = Library(self.library, self.catalog_url)
        catalog = Catalog.open(library.catalog_url)
        wrong: list[str] = []
        try:
            ok, message = catalog.integrity()
            if not ok:
                wrong.append(f"integrity check: {message}")
            rows = {f.sha256: f.stored_path for f in File.select(File.sha256, File.stored_path)}
            lost = [
                f"{kind} {digest[:12]}"
                for digest, kind in self.ledger.contents.items()
                if digest not in rows
            ]
            if lost:
                wrong.append(f"{len(lost)} acknowledged photos are not in the catalogue: {lost}")
            on_disk = {
                p.relative_to(library.originals).as_posix()
                for p in library.originals.rglob("*")
                if p.is_file() and ".incoming" not in p.parts and p.suffix.lower() != ".xmp"
            }
            stored = {path for path in rows.values() if path}
            if on_disk - stored:
                wrong.append(f"files in originals/ without a row: {sorted(on_disk - stored)}")
            if stored - on_disk:
                wrong.append(f"rows without their file: {sorted(stored - on_disk)}")
            unfinished = Counter(j.state for j in Job.select() if j.state != "done")
            if unfinished:
                wrong.append(f"jobs not done: {dict(unfinished)}")
            for photo_id, tries in self.ledger.titles.items():
                answered = [i for i, (_, acked) in enumerate(tries) if acked]
                if not answered:
                    continue
                allowed = {title for title, _ in tries[answered[-1] :]}  # the last acked or later
                photo = Photo.get_or_none(Photo.id == photo_id)
                if photo is None or photo.title not in allowed:
                    wrong.append(
                        f"photo {photo_id}: title {photo and photo.title!r}, "
                        f"acknowledged {tries[answered[-1]][0]!r}"
                    )
                    continue
                sidecars = sidecar_paths(library, photo_id)
                if not any(s.is_file() and photo.title in s.read_text() for s in sidecars):
                    wrong.append(f"photo {photo_id}: its sidecar lacks {photo.title!r}")
        finally:
            catalog.close()
        leftovers = [p for p in library.originals.joinpath(".incoming").glob("*")]
        leftovers += list(self.library.rglob("*.partial"))
        leftovers += [p for p in library.uploads.rglob("*")] if library.uploads.exists() else []
        if leftovers:
            wrong.append(f"left behind: {[str(p) for p in leftovers][:10]}")
        return wrong + self.ledger.failures

    def numbers(self) -> dict[str, object]:
        counts = self.ledger.counts
        return {
            "seconds": self.seconds,
            "kills": self.kills,
            "processes": self.processes,
            "service refusals": self.service.refusals,
            "acknowledged writes": self.ledger.acknowledged_writes(),
            "uploads": counts["upload"],
            "uploads unanswered": counts["upload unanswered"],
            "inbox drops": counts["inbox"],
            "stick photos": counts["stick"],
            "edits": counts["edit"],
            "edits unanswered": counts["edit unanswered"],
            "side commands": {c: counts[f"ran {c}"] for c in SIDE_COMMANDS},
        }
