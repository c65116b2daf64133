"""The `shoebox` command: parses flags, builds the settings, hands over to a command module.

Each command lives in `appliance/commands/<name>.py` and exposes ``register(subparsers)``;
the parser's ``func`` default is called as ``func(args, settings)`` and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from appliance.config import ConfigError, load_settings

COMMANDS = [
    "index",
    "import_",
    "export",
    "run",
    "status",
    "import_volume",
    "import_camera",
    "classify",
    "transcode",
    "faces",
    "people",
    "search",
    "user",
    "device",
    "certificate",
    "doctor",
    "capture",
    "edit",
    "sidecars",
    "backup",
    "library_backup",
    "restore",
    "rebuild",
    "moments",
    "places",
    "text",
    "worker",
]


def _global_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="TOML settings file")
    common.add_argument(
        "--library", type=Path, default=argparse.SUPPRESS, help="library root (default ./var)"
    )
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS)
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _global_options()
    parser = argparse.ArgumentParser(
        prog="shoebox", description="Shoebox: your photo library at home.", parents=[common]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"appliance.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"appliance.commands.{name}":
                raise
            continue  # a command that has not landed yet
        module.register(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    verbose = getattr(args, "verbose", False)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = load_settings(
            getattr(args, "config", None),
            overrides={"library": getattr(args, "library", None), **getattr(args, "settings", {})},
        )
    except ConfigError as exc:
        print(f"shoebox: {exc}", file=sys.stderr)
        return 2
    # `run` waits for a library disk itself and `doctor` reports; the rest need the library.
    if getattr(args, "needs_library", True):
        from appliance.library_disk import library_state

        state = library_state(settings)
        if not state.available:  # never make a library in an empty mount point
            print(f"shoebox: {state.reason}", file=sys.stderr)
            return 75
    from appliance.catalog.health import CatalogLost

    try:
        return int(args.func(args, settings) or 0)
    except KeyboardInterrupt:
        return 130
    except CatalogLost as exc:
        print(f"shoebox: {exc}", file=sys.stderr)
        return 4


if __name__ == "__main__":
    sys.exit(main())
