"""Fixtures of the phone-backup tests: a library with its real running service (`box`), the
real rclone and nextcloudcmd."""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from torture import PASSWORD, Service

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rclone() -> str:
    found = shutil.which("rclone")
    assert found, "rclone is missing: scripts/bootstrap.sh test installs it"
    return found


@pytest.fixture(scope="module")
def nextcloudcmd() -> str:
    found = shutil.which("nextcloudcmd")
    assert found, "nextcloudcmd is missing: scripts/bootstrap.sh test installs it"
    return found


class Box:
    """A library, its running service, and helpers to talk to it."""

    def __init__(self, root: Path, catalog_url: str) -> None:
        self.root, self.library = root, root / "library"
        self.env = {
            **os.environ,
            "SHOEBOX_LABELS": "0",
            "SHOEBOX_FACES": "0",
            "SHOEBOX_SETTLE_SECONDS": "0.2",
            "SHOEBOX_PASSWORD": PASSWORD,
            "PYTHONPATH": str(REPO),
        }
        self.env.pop("NOTIFY_SOCKET", None)
        if catalog_url:
            self.env["SHOEBOX_CATALOG_URL"] = catalog_url
        for user, role in (("alice", "admin"), ("bob", "member")):
            assert self.shoebox("user", "add", user, "--role", role).returncode == 0
        self.service = Service(self.library, root / "inbox", self.env)
        self.service.start_and_wait()

    def shoebox(self, *args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "appliance.cli", "--library", str(self.library)]
        return subprocess.run(
            [*command, *args], env=self.env, capture_output=True, text=True, timeout=120
        )

    def add_phone(self, user: str, name: str) -> str:
        result = self.shoebox("device", "add", user, name)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]  # the contract: the last line

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.service.port}"

    def request(
        self, method: str, path: str, user: str, password: str, body: bytes = b"", **headers: str
    ) -> tuple[int, bytes]:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        conn = http.client.HTTPConnection("127.0.0.1", self.service.port, timeout=60)
        try:
            conn.request(
                method,
                path,
                body=body or None,
                headers={"Authorization": f"Basic {token}", **headers},
            )
            reply = conn.getresponse()
            return reply.status, reply.read()
        finally:
            conn.close()

    def settled(self) -> dict:

        for _ in range(600):
            status = json.loads(self.shoebox("status", "--json").stdout)
            if status["queue"]["pending"] + status["queue"]["running"] == 0:
                return status["queue"]
            time.sleep(0.1)
        raise AssertionError("the imports did not finish")

    def catalogued(self) -> list[dict]:
        exported = self.shoebox("export")
        assert exported.returncode == 0, exported.stderr
        return json.loads(exported.stdout)

    def rclone(
        self,
        rclone: str,
        password: str,
        *args: str,
        vendor: str = "other",
        url: str = "",
        check: bool = True,
    ) -> str:
        obscured = subprocess.run(
            [rclone, "obscure", password], capture_output=True, text=True, check=True
        ).stdout.strip()
        env = {
            **os.environ,
            "RCLONE_CONFIG": "/dev/null",
            "RCLONE_CONFIG_PHONE_TYPE": "webdav",
            "RCLONE_CONFIG_PHONE_URL": f"{url or self.url}/remote.php/dav/files/alice",
            "RCLONE_CONFIG_PHONE_VENDOR": vendor,
            "RCLONE_CONFIG_PHONE_USER": "alice",
            "RCLONE_CONFIG_PHONE_PASS": obscured,
        }
        result = subprocess.run(
            [rclone, *args, "-v", "--retries", "1"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0 or not check, result.stderr[-3000:]
        return result.stderr + result.stdout


@pytest.fixture
def box(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Box]:
    catalog_url = ""
    if os.environ.get("SHOEBOX_TEST_BACKEND", "sqlite") == "postgresql":
        catalog_url = request.getfixturevalue("postgres").new_database()
    box = Box(tmp_path, catalog_url)
    try:
        yield box
    finally:
        box.service.process.kill()
