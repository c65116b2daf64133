"""`shoebox people [list | name ID NAME | merge INTO FROM | remove-face FACE]`."""

from __future__ import annotations

import argparse
import sys

from appliance.catalog import people, sidecars
from appliance.commands.common import open_library
from appliance.config import Settings


def _people(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings)
    if library is None:
        return 2
    try:
        if args.action == "name":
            person = people.name_person(args.ids[0], " ".join(args.name))
            print(f"person {person.id} is now {person.name!r}")
        elif args.action == "merge":
            person = people.merge_people(args.ids[0], args.ids[1])
            print(f"merged person {args.ids[1]} into {person.id}")
        elif args.action == "remove-face":
            people.remove_face(args.ids[0])
            print(f"face {args.ids[0]} removed from its person")
        else:
            for info in people.list_people():
                print(f"{info.id:>6}  {info.face_count:>5} faces  {info.name or '(unnamed)'}")
    except people.PeopleError as exc:
        print(f"shoebox: {exc}", file=sys.stderr)
        return 1
    sidecars.flush(library, everything=True)  # names go into the photos' XMP sidecars
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("people", parents=[common], help="list, name and merge people")
    parser.add_argument(
        "action", nargs="?", default="list", choices=["list", "name", "merge", "remove-face"]
    )
    parser.add_argument("ids", nargs="*", type=int, help="person or face ids")
    parser.add_argument("--name", nargs="+", default=[], help="the name, for `name`")
    parser.set_defaults(func=_validate_then_run)


def _validate_then_run(args: argparse.Namespace, settings: Settings) -> int:
    needed = {"name": 1, "merge": 2, "remove-face": 1, "list": 0}[args.action]
    if len(args.ids) != needed or (args.action == "name" and not args.name):
        print(
            "usage: shoebox people [list | name ID --name NAME | merge INTO FROM | "
            "remove-face FACE]",
            file=sys.stderr,
        )
        return 2
    return _people(args, settings)
