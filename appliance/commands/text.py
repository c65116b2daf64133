"""`shoebox text`: read the text of every photo not read yet (the daemon does this in idle
time; this runs it to the end at once)."""

from __future__ import annotations

import argparse

from appliance.catalog.photo_text import backlog_size
from appliance.commands.common import open_library
from appliance.config import Settings
from appliance.text.background import TextBackground


def _text(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    if library is None:
        return 2
    left = backlog_size()
    if not left:
        print("every photo's text is read")
        return 0
    print(f"reading the text of {left} photos")
    reader = TextBackground(library.cache)
    done = reader.run_all(report=lambda n: print(f"  {n} of {left}", flush=True))
    if reader.unavailable:
        print("text recognition cannot run here (see the log)")
        return 1
    print(f"read {done} photos")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "text", parents=[common], help="read the text in photos (signs, receipts, screenshots)"
    )
    parser.set_defaults(func=_text)
