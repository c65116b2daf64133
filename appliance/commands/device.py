"""`shoebox device add USER NAME | list USER | revoke USER NAME`: the phones that back up
over WebDAV. `add` prints the new app password as its last line (shown once)."""

from __future__ import annotations

import argparse
import sys

from appliance.config import Settings


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def _device(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.catalog.db import open_catalog
    from appliance.library import Library
    from appliance.phones import devices

    library = Library(settings.library_root, settings.catalog_url)
    if not library.catalog_exists():
        print(f"shoebox device: no library at {library.root}", file=sys.stderr)
        return 2
    open_catalog(library.catalog_url, check=False)
    try:
        if args.action == "add":
            if not args.name:
                raise devices.PhoneError("name the phone: shoebox device add USER NAME")
            new = devices.add_phone(args.username, args.name)
            print(f"added {new.phone.name!r} for {args.username}; its app password (shown once):")
            print(new.password)
        elif args.action == "list":
            phones = devices.list_phones(args.username)
            for phone in phones:
                print(
                    f"{phone.name:24} last backup {_when(phone.last_backup_at):20} "
                    f"{phone.files} files, {phone.bytes / 2**20:.1f} MiB"
                )
            if not phones:
                print(f"{args.username} has no phone")
        else:
            devices.revoke_phone(args.username, args.name)
            print(f"revoked {args.name!r} of {args.username}: its app password no longer works")
    except devices.PhoneError as exc:
        print(f"shoebox device: {exc}", file=sys.stderr)
        return 2
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "device", parents=[common], help="phones that back up over WebDAV (app passwords)"
    )
    parser.add_argument("action", choices=["add", "list", "revoke"])
    parser.add_argument("username")
    parser.add_argument("name", nargs="?", default="")
    parser.set_defaults(func=_device)
