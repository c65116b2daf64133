"""Issue 28 items 4 and 5 on the real waitress server (a child process, as the service):

1. p95 of ``GET /api/v1/photos`` with no live stream open, then with 50 open streams
   (the baseline is the first, from the same run);
2. 20 strangers each POSTing a 200 MB body to ``/api/v1/uploads`` at once: how much of
   the bodies the server let in, and its peak memory and spooled disk meanwhile.

    .venv/bin/python bench/bench_http_limits.py [--requests 40] [--streams 50]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSWORD = "a long bench passphrase"
MIB = 2**20


def serve(root: str, ready: multiprocessing.Queue) -> None:
    """The child: the web app on waitress, as shoebox.service serves it."""
    os.environ["TMPDIR"] = str(Path(root) / "tmp")  # where waitress spools bodies
    Path(root, "tmp").mkdir()
    tempfile.tempdir = None
    from appliance.catalog.users import create_user
    from appliance.config import Settings
    from appliance.daemon import WebServer
    from appliance.web import create_app

    settings = Settings(library=Path(root) / "library", port=0, setup_file=Path(root) / "x")
    app = create_app(settings)
    create_user("alice", PASSWORD, "admin")
    server = WebServer(settings, app)
    server.start()
    ready.put(server.server.effective_port)
    threading.Event().wait()


def sign_in(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    reply = conn.getresponse()
    csrf = re.search(r'csrf-token" content="([^"]+)"', reply.read().decode()).group(1)
    cookie = reply.getheader("Set-Cookie", "").split(";")[0]
    form = f"username=alice&password={PASSWORD.replace(' ', '+')}&csrf_token={csrf}"
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    conn.request("POST", "/login", body=form, headers=headers)
    reply = conn.getresponse()
    reply.read()
    return reply.getheader("Set-Cookie", "").split(";")[0]


def p95_photos(port: int, cookie: str, count: int) -> tuple[float, float]:
    """(p50, p95) in ms of GET /api/v1/photos, one after another."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", "/api/v1/photos", headers={"Cookie": cookie})
        conn.getresponse().read()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def open_streams(port: int, cookie: str, count: int) -> tuple[list[socket.socket], int]:
    socks, held = [], 0
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        sock.sendall(
            f"GET /api/v1/live HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
            f"Cookie: {cookie}\r\n\r\n".encode()
        )
        socks.append(sock)
    time.sleep(2)  # the server has answered what it answers at once
    for sock in socks:
        sock.setblocking(False)
        try:
            held += sock.recv(64).startswith(b"HTTP/1.1 200")
        except BlockingIOError:
            held += 1  # no answer yet: queued for a thread, which it will hold
    return socks, held


def stranger(port: int, size: int, sent_total: list[int]) -> None:
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.sendall(
        "POST /api/v1/uploads?name=x.jpg HTTP/1.1\r\nHost: x\r\n"
        f"Content-Length: {size}\r\n\r\n".encode()
    )
    chunk, sent = bytes(256 * 1024), 0
    try:
        while sent < size:
            sent += sock.send(chunk[: size - sent])
    except OSError:
        pass
    sent_total.append(sent)
    sock.close()


def watch(pid: int, root: Path, stop: threading.Event, peaks: dict[str, int]) -> None:
    while not stop.is_set():
        status = Path(f"/proc/{pid}/status").read_text()
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) * 1024
        spooled = shutil.disk_usage(root).used - peaks["disk_before"]  # unlinked temp files too
        peaks["rss"] = max(peaks.get("rss", 0), rss)
        peaks["disk"] = max(peaks.get("disk", 0), spooled)
        time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--strangers", type=int, default=20)
    parser.add_argument("--body-mb", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shoebox-bench-http-") as tmp:
        spawn = multiprocessing.get_context("spawn")
        ready = spawn.Queue()
        child = spawn.Process(target=serve, args=(tmp, ready))
        child.start()
        try:
            port = ready.get(timeout=120)
            cookie = sign_in(port)
            p50_none, p95_none = p95_photos(port, cookie, args.requests)
            socks, held = open_streams(port, cookie, args.streams)
            p50_open, p95_open = p95_photos(port, cookie, args.requests)
            for sock in socks:
                sock.close()
            print(f"GET /api/v1/photos, {args.requests} requests:")
            print(f"  no live stream open:   p50 {p50_none:7.1f} ms  p95 {p95_none:7.1f} ms")
            print(
                f"  {args.streams} streams asked ({held} hold or wait for a thread):"
                f" p50 {p50_open:7.1f} ms  p95 {p95_open:7.1f} ms"
            )
            stop, peaks = threading.Event(), {"disk_before": shutil.disk_usage(tmp).used}
            watcher = threading.Thread(target=watch, args=(child.pid, Path(tmp), stop, peaks))
            base_rss = (
                int(
                    re.search(
                        r"VmRSS:\s+(\d+)", Path(f"/proc/{child.pid}/status").read_text()
                    ).group(1)
                )
                * 1024
            )
            watcher.start()
            sent: list[int] = []
            size = args.body_mb * MIB
            started = time.monotonic()
            threads = [
                threading.Thread(target=stranger, args=(port, size, sent))
                for _ in range(args.strangers)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            took = time.monotonic() - started
            stop.set()
            watcher.join()
            print(f"{args.strangers} strangers POST {args.body_mb} MB each to /api/v1/uploads:")
            print(
                f"  body bytes the server let through: {sum(sent) / MIB:.1f} MiB of"
                f" {args.strangers * args.body_mb} MiB, all refused in {took:.2f} s"
            )
            print(
                f"  server RSS {base_rss / MIB:.0f} MiB before, peak {peaks['rss'] / MIB:.0f} MiB;"
                f" peak disk use {max(peaks.get('disk', 0), 0) / MIB:.1f} MiB more (TMPDIR's disk)"
            )
        finally:
            child.kill()
            child.join()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
