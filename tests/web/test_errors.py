"""Typed errors carry their HTTP status; one Flask handler turns them into responses.

Runs on a library without photos (no corpus needed).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_fixtures import PASSWORD, sign_in, token

from appliance import errors
from appliance.catalog import albums, edits, people, stacks, users
from appliance.search.query import QueryError, parse_query


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.BadRequest, 400),
        (errors.Forbidden, 403),
        (errors.NotFound, 404),
        (errors.Conflict, 409),
        (people.PeopleError, 400),
        (people.PersonNotFound, 404),
        (albums.AlbumError, 400),
        (albums.AlbumNotFound, 404),
        (users.UserError, 400),
        (users.UserNotFound, 404),
        (stacks.StackError, 400),
        (stacks.StackNotFound, 404),
        (edits.EditError, 400),
        (edits.PhotoNotFound, 404),
        (QueryError, 400),
    ],
)
def test_each_error_names_its_status(error: type[errors.ShoeboxError], status: int) -> None:
    assert error.status == status


def test_not_found_is_still_the_modules_error() -> None:
    """Callers that catch a module's error (the CLI) catch its not-found case too."""
    assert issubclass(people.PersonNotFound, people.PeopleError)
    assert issubclass(albums.AlbumNotFound, albums.AlbumError)
    with pytest.raises(QueryError) as caught:
        parse_query("year:abc")
    assert caught.value.status == 400


def test_catalog_functions_raise_typed_errors(empty_app: Flask) -> None:
    with pytest.raises(people.PersonNotFound, match="no person"):
        people.name_person(424242, "Anna")
    with pytest.raises(people.PeopleError) as refused:
        people.merge_people(7, 7)
    assert refused.value.status == 400
    with pytest.raises(users.UserNotFound):
        users.get_user(424242)
    with pytest.raises(albums.AlbumNotFound):
        albums.get_share(424242)


def test_the_one_handler_answers_with_the_status(empty_admin: FlaskClient) -> None:
    h = {"X-CSRF-Token": token(empty_admin)}
    missing = empty_admin.patch("/api/v1/people/424242", json={"name": "Anna"}, headers=h)
    assert missing.status_code == 404
    assert missing.json == {"error": "no person with id 424242"}
    empty = empty_admin.post("/api/v1/faces/424242/name", json={"name": "  "}, headers=h)
    assert empty.status_code == 400 and "non-empty" in empty.json["error"]
    untitled = empty_admin.post("/api/v1/albums", json={"title": " "}, headers=h)
    assert untitled.status_code == 400 and "title" in untitled.json["error"]
    assert empty_admin.get("/api/v1/albums/424242").status_code == 404
    assert empty_admin.delete("/api/v1/shares/424242", headers=h).status_code == 404
    assert empty_admin.patch("/api/v1/users/424242", json={}, headers=h).status_code == 404
    assert empty_admin.get("/api/v1/photos/424242").status_code == 404
    assert empty_admin.get("/api/v1/stacks/424242").status_code == 404
    bad_cursor = empty_admin.get("/api/v1/photos?cursor=not-a-cursor")
    assert bad_cursor.status_code == 400 and bad_cursor.json == {"error": "invalid page cursor"}
    assert empty_admin.get("/api/v1/photos?q=year:abc").status_code == 400
    assert empty_admin.get("/api/v1/map/clusters?bbox=1,2,3").status_code == 400


def test_pages_get_the_error_page(empty_admin: FlaskClient) -> None:
    page = empty_admin.get("/people/424242")
    assert page.status_code == 404
    assert page.mimetype == "text/html" and "no person with id 424242" in page.text


def test_a_conflict_is_a_409(empty_app: Flask) -> None:
    def clash() -> None:
        raise errors.Conflict("the album changed meanwhile")

    empty_app.add_url_rule("/api/v1/test-conflict", "test_conflict", clash)
    users.create_user("alice", PASSWORD, "admin")
    client = empty_app.test_client()
    assert sign_in(client, "alice").status_code == 302
    answer = client.get("/api/v1/test-conflict")
    assert answer.status_code == 409
    assert answer.json == {"error": "the album changed meanwhile"}


def test_a_forbidden_page_speaks_to_a_family(empty_app: Flask, empty_admin: FlaskClient) -> None:
    """A member opening an admin's page reads what happened and what to do, not
    "403 Forbidden" (issue 27)."""
    users.create_user("grandma", PASSWORD, "member")
    member = empty_app.test_client()
    assert sign_in(member, "grandma").status_code == 302
    page = member.get("/settings")
    assert page.status_code == 403
    assert "Not for this account" in page.text and "An admin of this Shoebox" in page.text
    assert "403 Forbidden" not in page.text and ">Forbidden<" not in page.text
    missing = member.get("/albums/424242")
    assert missing.status_code == 404 and "Nothing here" in missing.text
    api = member.get("/api/v1/settings")
    assert api.status_code == 403 and "error" in api.get_json()  # the API answers JSON
