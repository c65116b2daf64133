"""First run, sign in, sessions, CSRF, rate limiting, roles, seed file, secret key.

None of this needs real photos: the library here is a new one with one plain photo row
(``web`` overrides the corpus-built library of web_fixtures)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_fixtures import PASSWORD, Built, csrf_of, empty_library, sign_in, token

from appliance.catalog.db import connect
from appliance.catalog.models import Photo, User
from appliance.catalog.users import (
    SetupClosed,
    UserError,
    create_first_admin,
    create_user,
    hash_password,
    verify_password,
)
from appliance.web import create_app


@pytest.fixture
def web(tmp_path: Path) -> Built:
    """A new library holding one photo row (id 1), no corpus needed."""
    built = empty_library(tmp_path / "library")
    connect(built.library.catalog_path)
    Photo.create(mime="image/jpeg", primary_sha256="0" * 64)
    return built


def setup_admin(client: FlaskClient, username: str = "admin") -> object:
    page = client.get("/setup")
    return client.post(
        "/setup",
        data={
            "username": username,
            "password": PASSWORD,
            "password2": PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
    )


def test_first_run_redirects_to_setup_then_setup_closes(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/").headers["Location"] == "/setup"
    assert client.get("/login").headers["Location"] == "/setup"
    response = setup_admin(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200  # signed in by setup
    assert User.get(User.username == "admin").role == "admin"
    other = app.test_client()
    assert other.get("/setup").status_code == 403
    # even with a valid CSRF token from the login page, POST /setup is refused
    login_page = other.get("/login")
    refused = other.post(
        "/setup",
        data={
            "username": "evil",
            "password": PASSWORD,
            "password2": PASSWORD,
            "csrf_token": csrf_of(login_page.text),
        },
    )
    assert refused.status_code == 403
    assert not User.select().where(User.username == "evil").exists()


def test_setup_race_creates_one_admin(app: Flask) -> None:
    results: list[str] = []

    def attempt(name: str) -> None:
        try:
            create_first_admin(name, PASSWORD)
            results.append("ok")
        except SetupClosed:
            results.append("closed")

    threads = [threading.Thread(target=attempt, args=(f"admin{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["closed", "closed", "closed", "ok"]
    assert User.select().where(User.role == "admin").count() == 1


def test_setup_rejects_bad_input(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/setup")
    bad = client.post(
        "/setup",
        data={
            "username": "a b",
            "password": "short",
            "password2": "short",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert bad.status_code == 400 and "user names" in bad.text
    mismatch = client.post(
        "/setup",
        data={
            "username": "ann",
            "password": PASSWORD,
            "password2": PASSWORD + "x",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert mismatch.status_code == 400 and "differ" in mismatch.text
    assert User.select().count() == 0


def test_login_logout_and_cookie_flags(app: Flask) -> None:
    create_user("alice", PASSWORD, "admin")
    client = app.test_client()
    assert client.get("/albums").headers["Location"].startswith("/login?next=/albums")
    wrong = sign_in(client, "alice", "nope-nope-nope")
    assert wrong.status_code == 401 and "wrong user name or password" in wrong.text
    page = client.get("/login?next=/albums")
    ok = client.post(
        "/login?next=/albums",
        data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert ok.status_code == 302 and ok.headers["Location"] == "/albums"
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/albums").status_code == 200
    logout = client.post("/logout", data={"csrf_token": token(client)})
    assert logout.status_code == 302
    assert client.get("/albums").status_code == 302


def test_cookie_is_secure_under_tls(app: Flask) -> None:
    create_user("alice", PASSWORD, "admin")
    client = app.test_client()
    page = client.get("/login", base_url="https://shoebox.local")
    ok = client.post(
        "/login",
        base_url="https://shoebox.local",
        data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert ok.status_code == 302 and "Secure" in ok.headers["Set-Cookie"]


def test_login_never_redirects_off_site(app: Flask) -> None:
    create_user("alice", PASSWORD, "admin")
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        client = app.test_client()
        page = client.get("/login")
        response = client.post(
            "/login",
            query_string={"next": target},
            data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        )
        assert response.headers["Location"] == "/"


def test_login_rate_limited_per_client(app: Flask) -> None:
    create_user("alice", PASSWORD, "admin")
    client = app.test_client()
    for _ in range(5):
        assert sign_in(client, "alice", "wrong-password").status_code == 401
    limited = sign_in(client, "alice", PASSWORD)  # even the right password waits
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    other = app.test_client()
    page = other.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    fine = other.post(
        "/login",
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
        data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert fine.status_code == 302


def test_csrf_enforced_on_forms_and_api(admin: FlaskClient) -> None:
    assert admin.post("/logout").status_code == 400
    assert admin.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    no_token = admin.post("/api/v1/albums", json={"title": "x"})
    assert no_token.status_code == 400 and "CSRF" in no_token.json["error"]
    ok = admin.post("/api/v1/albums", json={"title": "x"}, headers={"X-CSRF-Token": token(admin)})
    assert ok.status_code == 201
    for method in ("patch", "delete"):
        call = getattr(admin, method)
        assert call(f"/api/v1/albums/{ok.json['id']}", json={"title": "y"}).status_code == 400


def test_login_form_needs_csrf(app: Flask) -> None:
    create_user("alice", PASSWORD, "admin")
    client = app.test_client()
    assert (
        client.post("/login", data={"username": "alice", "password": PASSWORD}).status_code == 400
    )


def test_password_change_ends_old_sessions(admin: FlaskClient, member: FlaskClient) -> None:
    bob = User.get(User.username == "bob")
    response = admin.patch(
        f"/api/v1/users/{bob.id}",
        json={"password": "a brand new secret"},
        headers={"X-CSRF-Token": token(admin)},
    )
    assert response.status_code == 200
    assert member.get("/api/v1/photos").status_code == 401


def test_member_cannot_do_admin_things(admin: FlaskClient, member: FlaskClient) -> None:
    headers = {"X-CSRF-Token": token(member)}
    assert member.get("/settings").status_code == 403
    assert member.get("/api/v1/users").status_code == 403
    assert (
        member.post(
            "/api/v1/users", json={"username": "m", "password": PASSWORD}, headers=headers
        ).status_code
        == 403
    )
    alice = User.get(User.username == "alice")
    assert (
        member.patch(
            f"/api/v1/users/{alice.id}", json={"role": "member"}, headers=headers
        ).status_code
        == 403
    )
    assert member.delete(f"/api/v1/users/{alice.id}", headers=headers).status_code == 403
    # members may favourite, archive (the agreed permission table), label, name people and
    # make albums
    assert (
        member.patch("/api/v1/photos/1", json={"favorite": True}, headers=headers).status_code
        == 200
    )
    assert member.post("/api/v1/albums", json={"title": "Mine"}, headers=headers).status_code == 201
    assert member.get("/people").status_code == 200
    # the admin can do it all
    admin_headers = {"X-CSRF-Token": token(admin)}
    assert admin.get("/settings").status_code == 200
    created = admin.post(
        "/api/v1/users", json={"username": "carol", "password": PASSWORD}, headers=admin_headers
    )
    assert created.status_code == 201 and created.json["role"] == "member"
    assert (
        admin.patch("/api/v1/photos/1", json={"archived": True}, headers=admin_headers).status_code
        == 200
    )


def test_last_admin_is_protected(admin: FlaskClient) -> None:
    alice = User.get(User.username == "alice")
    headers = {"X-CSRF-Token": token(admin)}
    assert admin.delete(f"/api/v1/users/{alice.id}", headers=headers).status_code == 400
    demote = admin.patch(f"/api/v1/users/{alice.id}", json={"role": "member"}, headers=headers)
    assert demote.status_code == 400 and "last admin" in demote.json["error"]


def test_password_hash_is_scrypt_and_verifies() -> None:
    stored = hash_password("open sesame!")
    assert stored.startswith("scrypt$32768$8$1$")
    assert verify_password("open sesame!", stored)
    assert not verify_password("open sesame?", stored)
    assert not verify_password("x", "garbage")
    with pytest.raises(UserError):
        create_user("x", "short")


def test_seed_file_creates_admin_and_is_consumed(web: Built) -> None:
    seed = web.library.root / "seed.toml"
    seed.write_text('username = "root"\npassword = "seeded password"\n')
    web.settings.setup_file = seed
    app = create_app(web.settings, web.library)
    assert not seed.exists()
    client = app.test_client()
    assert client.get("/setup").status_code == 403
    assert sign_in(client, "root", "seeded password").status_code == 302


def test_bad_seed_file_is_reported_not_fatal(web: Built, caplog: pytest.LogCaptureFixture) -> None:
    seed = web.library.root / "seed.toml"
    seed.write_text('password = "short"\n')
    web.settings.setup_file = seed
    app = create_app(web.settings, web.library)
    assert "setup file" in caplog.text
    assert app.test_client().get("/setup").status_code == 200


def test_secret_key_generated_once_with_private_mode(web: Built) -> None:
    first = create_app(web.settings, web.library).secret_key
    path: Path = web.library.root / "secret_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert create_app(web.settings, web.library).secret_key == first
    web.settings.secret_key = "configured-key-configured-key-123"
    assert create_app(web.settings, web.library).secret_key == "configured-key-configured-key-123"
