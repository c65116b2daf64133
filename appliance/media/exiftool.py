"""ExifTool kept running in ``-stay_open`` mode: one process per Python process (worker).

A thin wrapper rather than PyExifTool: PyExifTool's ``execute`` blocks without a time limit,
and Shoebox needs one per file (a file that hangs ExifTool costs that file, the process is
killed and started again on the next call). Requests are argument lists written to
ExifTool's ``-@ -`` argument stream; each ends with ``-execute<N>`` and its answer with
``{ready<N>}`` on stdout. stdout and stderr are read together with ``select`` so neither
pipe can fill up, and a deadline applies to the whole answer.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT = 30.0  # seconds for one request (one file)
START_TIMEOUT = 30.0


class ExifToolError(Exception):
    """ExifTool is missing, failed, or did not answer in time."""


class ExifToolTimeout(ExifToolError):
    """ExifTool did not answer within the time limit; the process was restarted."""


# Shoebox's own XMP namespace (shoebox:Private, shoebox:Owner), known to every ExifTool we run
CONFIG = Path(__file__).with_name("shoebox_xmp.config")


def exiftool_path() -> str:
    """The ``exiftool`` command ($SHOEBOX_EXIFTOOL, else on PATH)."""
    exe = os.environ.get("SHOEBOX_EXIFTOOL") or shutil.which("exiftool")
    if not exe:
        raise ExifToolError("exiftool not found: install the Debian package libimage-exiftool-perl")
    return exe


def _die_with_parent() -> None:
    """In the child: get SIGKILL when the process that started ExifTool dies. ExifTool
    -stay_open keeps polling its argument pipe after EOF, so a worker killed for a stuck
    file would otherwise leave its ExifTool behind."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


PR_SET_PDEATHSIG = 1


class ExifTool:
    """One ``exiftool -stay_open`` process; thread-safe, restarted after a failure."""

    def __init__(self, executable: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.executable = executable
        self.timeout = timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._pid_owner = 0
        self._seq = 0
        self._lock = threading.Lock()

    # -- process lifetime ------------------------------------------------------------------

    def _start(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [self.executable or exiftool_path(), "-config", str(CONFIG), "-stay_open", "True"]
            + ["-@", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            close_fds=True,
            env={**os.environ, "TZ": "UTC"},  # QuickTimeUTC dates come out as +00:00
            preexec_fn=_die_with_parent,
        )
        self._proc, self._pid_owner = proc, os.getpid()
        return proc

    def _running(self) -> subprocess.Popen[bytes]:
        proc = self._proc
        if proc is None or proc.poll() is not None or self._pid_owner != os.getpid():
            proc = self._start()  # none yet, died, or inherited across fork
        return proc

    def close(self) -> None:
        """Ask ExifTool to exit; kill it if it does not within a few seconds."""
        proc, self._proc = self._proc, None
        if proc is None or self._pid_owner != os.getpid():
            return
        try:
            if proc.poll() is None and proc.stdin is not None:
                proc.stdin.write(b"-stay_open\nFalse\n")
                proc.stdin.flush()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait()
            for pipe in (proc.stdin, proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()

    # -- requests --------------------------------------------------------------------------

    def execute(
        self, *args: str | os.PathLike[str], timeout: float | None = None
    ) -> tuple[str, str]:
        """Run one ExifTool command; returns (stdout, stderr) as text.

        Raises ExifToolTimeout (process restarted on the next call) or ExifToolError.
        """
        out, err = self.execute_bytes(*args, timeout=timeout)
        return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    def execute_bytes(
        self, *args: str | os.PathLike[str], timeout: float | None = None
    ) -> tuple[bytes, bytes]:
        """Like :meth:`execute`, stdout and stderr as bytes (for ``-b`` binary output)."""
        lines = [os.fsencode(a) for a in args]
        if any(b"\n" in line for line in lines):
            raise ExifToolError("an argument contains a newline (ExifTool cannot take it)")
        with self._lock:
            proc = self._running()
            self._seq += 1
            marker = f"{{ready{self._seq}}}".encode()
            request = b"\n".join([*lines, f"-execute{self._seq}".encode()]) + b"\n"
            try:
                assert proc.stdin is not None
                proc.stdin.write(request)
                proc.stdin.flush()
                out, err = self._answer(proc, marker, timeout or self.timeout)
            except ExifToolTimeout:
                self._kill()
                raise
            except (OSError, ExifToolError) as exc:
                self._kill()
                if isinstance(exc, ExifToolError):
                    raise
                raise ExifToolError(f"exiftool stopped: {exc}") from exc
        return out, err

    @staticmethod
    def _answer(
        proc: subprocess.Popen[bytes], marker: bytes, timeout: float
    ) -> tuple[bytes, bytes]:
        assert proc.stdout is not None and proc.stderr is not None
        out, err = bytearray(), bytearray()
        fds = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}
        deadline = time.monotonic() + timeout
        end = marker + b"\n"
        while not out.endswith(end):
            left = deadline - time.monotonic()
            if left <= 0:
                raise ExifToolTimeout(f"exiftool gave no answer within {timeout:g} s")
            ready, _, _ = select.select(list(fds), [], [], left)
            for fd in ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise ExifToolError("exiftool exited unexpectedly")
                fds[fd].extend(chunk)
        return bytes(out[: -len(end)]), bytes(err)

    def read_json(
        self, path: Path, args: list[str], timeout: float | None = None
    ) -> tuple[dict[str, Any], str]:
        """``exiftool -j ARGS PATH``: the file's record and ExifTool's messages (stderr)."""
        out, err = self.execute("-j", *args, str(Path(path).absolute()), timeout=timeout)
        if not out.strip():
            return {}, err.strip()
        try:
            records = json.loads(out)
        except json.JSONDecodeError as exc:
            raise ExifToolError(f"exiftool answered with unreadable JSON: {exc}") from exc
        return (records[0] if records else {}), err.strip()


_shared: ExifTool | None = None
_shared_lock = threading.Lock()


def shared() -> ExifTool:
    """This process's ExifTool (started on first use, one per worker process)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared._pid_owner not in (0, os.getpid()):
            _shared = ExifTool()
            atexit.register(_shared.close)
        return _shared
