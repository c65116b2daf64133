"""`shoebox search` and `shoebox user` on a real little library."""

from __future__ import annotations

import json

import pytest
from web_fixtures import Built

from appliance.catalog.users import authenticate
from appliance.cli import main


def test_search_command(web: Built, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(web.library.root)
    assert main(["--library", root, "search", "kitty"]) == 0
    out = capsys.readouterr().out
    assert "chelsea.jpg" in out and "cat.hif" in out and "coffee" not in out
    assert main(["--library", root, "search", "--json", "--", "label:cat", "-type:heic"]) == 0
    items = json.loads(capsys.readouterr().out)["items"]
    assert [i["id"] for i in items] == [web.photo_ids["misc/skimage/chelsea.jpg"]]
    assert main(["--library", root, "search", "lable:cat"]) == 2
    assert "unknown filter" in capsys.readouterr().err


def test_user_command(web: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    root = str(web.library.root)
    monkeypatch.setenv("SHOEBOX_PASSWORD", "a long password")
    assert main(["--library", root, "user", "add", "gran", "--role", "admin"]) == 0
    assert authenticate("gran", "a long password").role == "admin"
    monkeypatch.setenv("SHOEBOX_PASSWORD", "another long one")
    assert main(["--library", root, "user", "passwd", "gran"]) == 0
    assert authenticate("gran", "another long one") is not None
    assert main(["--library", root, "user", "delete", "gran"]) == 2  # the last admin stays
    assert main(["--library", root, "user", "passwd", "nobody"]) == 2
    monkeypatch.setenv("SHOEBOX_PASSWORD", "short")
    assert main(["--library", root, "user", "add", "kid"]) == 2
