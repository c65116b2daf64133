"""`shoebox run`: the long-running appliance service (watch inboxes, import, web UI)."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from appliance.config import Settings


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.daemon import run_daemon

    changes: dict = {}
    if args.inbox:
        changes["inboxes"] = [p.resolve() for p in args.inbox]
    if args.poll_inbox:
        changes["poll_inboxes"] = [p.resolve() for p in args.poll_inbox]
    if args.host is not None:
        changes["host"] = args.host
    if args.port is not None:
        changes["port"] = args.port
    settings = dataclasses.replace(settings, **changes)
    return run_daemon(settings, web=settings.web and not args.no_web)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "run", parents=[common], help="the appliance service: watch inboxes, import, serve the UI"
    )
    parser.add_argument("--inbox", type=Path, action="append", help="watch this folder (repeat)")
    parser.add_argument(
        "--poll-inbox", type=Path, action="append", help="watch a network folder by polling"
    )
    parser.add_argument("--host", help="web UI address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="web UI port (default 8080)")
    parser.add_argument("--no-web", action="store_true", help="do not serve the web UI")
    parser.set_defaults(func=_run, needs_library=False)
