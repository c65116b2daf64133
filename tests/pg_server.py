"""A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl in a temporary folder, a
unix socket in that folder, trust authentication, gone when the session ends.

PostgreSQL refuses to run as root (CI runs the tests as root): the cluster then belongs to
the ``postgres`` user (Debian's package creates it) or ``nobody``, through ``runuser``.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

USER = "shoebox"  # the cluster's superuser (trust authentication on the socket only)


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _owner() -> str | None:
    """Who runs the server: None (this user) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a postgres nor a nobody user exists")


class PostgresServer:
    """One cluster; :meth:`new_database` hands out empty databases by URL."""

    def __init__(self, shared_buffers: str = "32MB") -> None:
        self.shared_buffers = shared_buffers
        bindir = postgres_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        self.bindir = bindir
        self.owner = _owner()
        self.root = Path(tempfile.mkdtemp(prefix="shoebox-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root
        self._names = itertools.count(1)
        if self.owner:
            entry = pwd.getpwnam(self.owner)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.root.chmod(0o755)

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.owner:
            command = ["runuser", "-u", self.owner, "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> PostgresServer:
        self._run(
            "initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        options = (
            f"-k {self.socket_dir} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
            f"-c shared_buffers={self.shared_buffers}"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
            "-w", "-t", "60", "start",
        )  # fmt: skip
        return self

    def url(self, database: str) -> str:
        return f"postgresql://{USER}@/{database}?host={self.socket_dir}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        import psycopg2

        con = psycopg2.connect(dbname=database, user=USER, host=str(self.socket_dir))
        try:
            con.autocommit = True
            con.cursor().execute(sql)
        finally:
            con.close()

    def new_database(self, prefix: str = "t") -> str:
        """Create an empty database; return its URL."""
        name = f"{prefix}_{next(self._names)}_{int(time.time() * 1000) % 100000}"
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class CatalogMap:
    """The PostgreSQL test backend: each catalogue file path a test uses gets a database
    of its own (made on first use); :meth:`copy` clones one, as copying the file would."""

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self.urls: dict[str, str] = {}

    @staticmethod
    def _key(path: Path) -> str:
        return str(Path(path).absolute())

    def url_for(self, path: Path) -> str:
        key = self._key(path)
        if key not in self.urls:
            self.urls[key] = self.server.new_database()
        return self.urls[key]

    def copy(self, source: Path, target: Path) -> str:
        """A new database holding what the catalogue of ``source`` holds, for ``target``."""
        template = urlsplit(self.url_for(source)).path.lstrip("/")
        name = f"{template}_copy_{len(self.urls)}"
        # a template must have no other session: the fixture that built it may still hold
        # one (the test then opens the copy, never the template)
        self.server.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{template}' AND pid <> pg_backend_pid()"
        )
        self.server.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.urls[self._key(target)] = self.server.url(name)
        return self.urls[self._key(target)]


active_map: CatalogMap | None = None  # set by conftest when the run uses PostgreSQL


def copy_catalog(source: Path, target: Path) -> None:
    """Give the catalogue file ``target`` a copy of ``source``'s database (PostgreSQL run;
    on SQLite copying the library folder copied the file)."""
    if active_map is not None:
        active_map.copy(source, target)
