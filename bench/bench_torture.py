"""Issue 28's concurrency torture, long: the real service on SQLite and on PostgreSQL
serves and imports while `status`, `export`, `search`, `import-volume` and `backup` run
beside it, uploads and API edits arrive over HTTP, photos drop into the inbox, and the
service is SIGKILLed at random moments. Every acknowledged write is checked after a clean
restart (tests/torture.py). The baseline, from the same run, is the same load with no kill.

    .venv/bin/python bench/bench_torture.py [--minutes 5] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from pg_server import PostgresServer  # noqa: E402
from torture import Torture  # noqa: E402

NEVER = (1e9, 1e9)


def one_run(
    backend: str, seconds: float, kill_every: tuple[float, float], server: PostgresServer | None
) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="shoebox-torture-") as tmp:
        url = server.new_database() if server else ""
        torture = Torture(Path(tmp), seconds, kill_every, catalog_url=url)
        started = time.monotonic()
        try:
            torture.run()
            stopped = torture.settle()
        finally:
            if torture.service.process:
                torture.service.process.kill()
        wrong = torture.verify()
        numbers = torture.numbers()
        numbers.update(
            backend=backend,
            minutes=round(seconds / 60, 1),
            wall_seconds=round(time.monotonic() - started),
            clean_stop=stopped == 0,
            writes_lost=len(wrong),
            problems=wrong[:5],
            writes_per_minute=round(numbers["acknowledged writes"] * 60 / seconds),
        )
        return numbers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--baseline-minutes", type=float, default=1.0)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    server = None
    results = []
    try:
        for backend in args.backends.split(","):
            if backend == "postgresql" and server is None:
                server = PostgresServer().start()
            pg = server if backend == "postgresql" else None
            for label, minutes, kills in (
                ("baseline, no kill", args.baseline_minutes, NEVER),
                ("torture, SIGKILL every 5-20 s", args.minutes, (5.0, 20.0)),
            ):
                numbers = one_run(backend, minutes * 60, kills, pg)
                numbers["run"] = label
                results.append(numbers)
                print(json.dumps(numbers), flush=True)
    finally:
        if server:
            server.stop()
    print()
    print(
        "| backend | run | minutes | processes | kills | acknowledged writes | per minute "
        "| writes lost |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['backend']} | {r['run']} | {r['minutes']} | {r['processes']} | "
            f"{r['kills']} | {r['acknowledged writes']} | {r['writes_per_minute']} | "
            f"{r['writes_lost']} |"
        )
    return 0 if all(r["writes_lost"] == 0 and r["clean_stop"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
