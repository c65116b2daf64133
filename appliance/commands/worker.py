"""`shoebox worker`: run the ingest pipeline on this machine for a shared catalogue
(PostgreSQL `catalog_url`, the library folder on a network mount); see the README."""

from __future__ import annotations

import argparse
import signal
import sys

from appliance.config import Settings


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.ingest.shared_worker import NotShared, run_worker

    stopping: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        report = run_worker(
            settings,
            lambda: bool(stopping),
            batch_size=args.batch,
            until_idle=args.until_idle,
            poll=args.poll,
            lease=args.lease,
        )
    except NotShared as exc:
        print(f"shoebox: {exc}", file=sys.stderr)
        return 2
    print(
        f"worker {report.claimant}: {report.jobs} jobs in {report.batches} batches, "
        f"{report.added} added, {report.failed} failed"
    )
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from appliance.catalog.queue import LEASE_SECONDS

    parser = sub.add_parser(
        "worker",
        parents=[common],
        help="process queued files for a shared (PostgreSQL) catalogue from another machine",
    )
    parser.add_argument("--batch", type=int, default=4, help="jobs claimed at a time")
    parser.add_argument(
        "--until-idle", action="store_true", help="exit when no job is pending or running"
    )
    parser.add_argument("--poll", type=float, default=5.0, help="seconds between idle polls")
    parser.add_argument(
        "--lease",
        type=float,
        default=LEASE_SECONDS,
        help="seconds a claim lasts unless renewed (a dead worker's jobs return after it)",
    )
    parser.set_defaults(func=_worker)
