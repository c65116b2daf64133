"""ffmpeg and ffprobe as bounded child processes.

Every call is one process with a wall-clock limit, an address-space limit (RLIMIT_AS, set in
the child before exec) and a fixed number of codec threads, so a hostile or huge movie costs
at most that process: it is killed, and the caller gets :class:`FFmpegError` with a reason.
The peak resident memory of each child is read back with ``wait4`` (for the benchmarks).
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FFMPEG = "ffmpeg"
FFPROBE = "ffprobe"
# Address space of one ffmpeg child. A 4K HEVC poster peaks near 190 MB resident and its
# transcode to 720p near 290 MB (2 threads), but both need 513-768 MB of address space
# (thread stacks, codec tables, mapped libraries); the headroom leaves room for 8K phone
# movies. Set as the child's own soft and hard limit, so a worker's tighter soft limit
# does not starve it. Measured by bench/bench_video.py; see BENCHMARKS.md.
MEMORY_LIMIT = 1536 * 1024 * 1024
CODEC_THREADS = 2


class FFmpegError(RuntimeError):
    """ffmpeg/ffprobe failed, timed out or is missing; the message says which."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


class FFmpegCancelled(FFmpegError):
    """The caller asked the child to stop (not the file's fault)."""


@dataclass(frozen=True)
class Run:
    """What a finished child left behind."""

    stdout: bytes
    stderr: str
    seconds: float
    peak_rss: int  # bytes


def available() -> bool:
    """True when both ffmpeg and ffprobe are on PATH."""
    return bool(shutil.which(FFMPEG) and shutil.which(FFPROBE))


def _limits(memory: int, nice: int) -> None:  # runs in the child, before exec
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:  # a hard limit set above us still holds
        memory = min(memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if nice:
        os.nice(nice)


def run(
    args: Sequence[str],
    timeout: float,
    *,
    memory: int = MEMORY_LIMIT,
    nice: int = 0,
    what: str = "ffmpeg",
    cancel: threading.Event | None = None,
) -> Run:
    """Run ``args`` (an ffmpeg or ffprobe command line) within the limits; raise on failure.

    stdout is collected through a temporary file (a poster frame or JSON), so a chatty child
    never blocks on a full pipe; stderr is kept to its last 4 KB for the error message.
    """
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                list(args),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                preexec_fn=lambda: _limits(memory, nice),  # noqa: PLW1509 - single-purpose child
                close_fds=True,
            )
        except FileNotFoundError as exc:
            raise FFmpegError(f"{args[0]} is not installed") from exc
        rss, status = _wait(proc, timeout, what, cancel)
        out.seek(0)
        err.seek(0)
        stdout = out.read()
        stderr = err.read()[-4096:].decode("utf-8", "replace")
    seconds = time.perf_counter() - start
    if status != 0:
        reason = _last_line(stderr) or f"exit status {status}"
        if status < 0:
            reason = f"killed by signal {-status} ({reason})"
        raise FFmpegError(f"{what} failed: {reason}", stderr)
    return Run(stdout, stderr, seconds, rss)


def _wait(
    proc: subprocess.Popen, timeout: float, what: str, cancel: threading.Event | None
) -> tuple[int, int]:
    """Wait for ``proc`` with ``wait4`` (peak RSS); kill it after ``timeout`` seconds, or
    when ``cancel`` is set (the service is stopping)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_maxrss * 1024, proc.returncode
        cancelled = cancel is not None and cancel.is_set()
        if cancelled or time.monotonic() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            proc.returncode = -9
            if cancelled:
                raise FFmpegCancelled(f"{what} was stopped")
            raise FFmpegError(f"{what} gave no result within {timeout:g} s (killed)")
        time.sleep(0.01 if time.monotonic() - deadline + timeout < 1 else 0.1)


def _last_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


@functools.cache
def hardware_h264_encoder() -> str | None:
    """``h264_v4l2m2m`` when this machine really has it (a Pi 4's encoder), else None.

    Debian's ffmpeg lists the wrapper everywhere; only a one-frame test encode shows
    whether the device behind it exists.
    """
    if not os.path.exists("/dev/video11") and not os.path.exists("/dev/video-enc0"):
        return None
    test = [
        FFMPEG, "-v", "error", "-f", "lavfi", "-i", "color=c=gray:s=320x240:d=0.2",
        "-frames:v", "2", "-c:v", "h264_v4l2m2m", "-f", "null", "-",
    ]  # fmt: skip
    try:
        run(test, 15, what="hardware encoder test")
    except FFmpegError:
        return None
    return "h264_v4l2m2m"


def input_args(path: Path) -> list[str]:
    """``-i path`` protected against names that start with a dash or look like a URL."""
    return ["-i", "file:" + str(Path(path).absolute())]
