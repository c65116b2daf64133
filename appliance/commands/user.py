"""`shoebox user add|passwd|role|delete|list`: manage web UI accounts from the shell."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from appliance.catalog.db import open_catalog
from appliance.catalog.users import (
    ROLES,
    UserError,
    create_user,
    delete_user,
    find_user,
    list_users,
    set_password,
    set_role,
)
from appliance.config import Settings
from appliance.library import Library


def _password(args: argparse.Namespace) -> str:
    """From $SHOEBOX_PASSWORD (scripts) or asked twice on the terminal."""
    if os.environ.get("SHOEBOX_PASSWORD"):
        return os.environ["SHOEBOX_PASSWORD"]
    first = getpass.getpass(f"password for {args.username}: ")
    if first != getpass.getpass("again: "):
        raise UserError("the two passwords differ")
    return first


def _user(args: argparse.Namespace, settings: Settings) -> int:
    library = Library(settings.library_root, settings.catalog_url).ensure()
    open_catalog(library.catalog_url, check=False)
    try:
        if args.action == "list":
            for user in list_users():
                print(f"{user.username:24} {user.role}")
            return 0
        user = find_user(args.username)
        if args.action == "add":
            create_user(args.username, _password(args), args.role or "member")
        elif user is None:
            raise UserError(f"no user named {args.username!r}")
        elif args.action == "passwd":
            set_password(user.id, _password(args))
        elif args.action == "role":
            set_role(user.id, args.role or "member")
        elif args.action == "delete":
            delete_user(user.id)
    except UserError as exc:
        print(f"shoebox user: {exc}", file=sys.stderr)
        return 2
    print(f"{args.action}: {args.username} done")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("user", parents=[common], help="create or reset web UI users")
    parser.add_argument("action", choices=["add", "passwd", "role", "delete", "list"])
    parser.add_argument("username", nargs="?", default="")
    parser.add_argument("--role", choices=ROLES)
    parser.set_defaults(func=_user)
