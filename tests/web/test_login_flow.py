"""Nextcloud's Login Flow v2 (issue 21): the app starts a flow, the member signs in and
grants it in the browser, the app's poll gets an app password once; it opens WebDAV only.
(The same with a real Chromium: tests/e2e/test_phones_browser.py.)"""

from __future__ import annotations

import base64

from flask import Flask
from flask.testing import FlaskClient
from web_fixtures import PASSWORD, sign_in, token

from appliance.catalog.users import create_user
from appliance.phones import login_flow
from appliance.phones.login_flow import Flows

ANDROID = "Mozilla/5.0 (Android) Nextcloud-android/3.29.0"


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _start(app_client: FlaskClient) -> dict:
    started = app_client.post("/index.php/login/v2", headers={"User-Agent": ANDROID})
    assert started.status_code == 200, started.text
    assert started.headers["Cache-Control"] == "no-store"
    return started.get_json()


def test_an_app_gets_an_app_password_once_the_member_grants_it(
    empty_app: Flask, empty_admin: FlaskClient
) -> None:
    create_user("bob", PASSWORD, "member")
    phone_app = empty_app.test_client()
    flow = _start(phone_app)
    assert flow["poll"]["endpoint"] == "http://localhost/index.php/login/v2/poll"
    assert flow["login"].startswith("http://localhost/index.php/login/v2/flow/")
    poll = {"token": flow["poll"]["token"]}
    assert phone_app.post("/index.php/login/v2/poll", data=poll).status_code == 404  # not yet

    browser = empty_app.test_client()
    page = flow["login"].removeprefix("http://localhost")
    signed_out = browser.get(page)
    assert signed_out.status_code == 302 and "/login?next=" in signed_out.headers["Location"]
    assert sign_in(browser, "bob").status_code == 302
    shown = browser.get(page)
    assert shown.status_code == 200 and "Nextcloud-android" in shown.text
    assert 'value="Android phone"' in shown.text
    no_csrf = browser.post(page, data={"name": "Bob's Android"})
    assert no_csrf.status_code == 400
    granted = browser.post(page, data={"name": "Bob's Android", "csrf_token": token(browser)})
    assert granted.status_code == 200 and "Phone added" in granted.text
    assert "appPassword" not in granted.text

    answer = phone_app.post("/index.php/login/v2/poll", data=poll)
    assert answer.status_code == 200
    got = answer.get_json()
    assert got["server"] == "http://localhost" and got["loginName"] == "bob"
    password = got["appPassword"]
    assert password not in granted.text
    assert phone_app.post("/index.php/login/v2/poll", data=poll).status_code == 404  # once
    assert browser.get(page).status_code == 404  # the link is used up

    phones = browser.get("/api/v1/phones").get_json()["phones"]
    assert [p["name"] for p in phones] == ["Bob's Android"]
    dav = empty_app.test_client()
    folder = "/remote.php/dav/files/bob/"
    assert dav.open(folder, method="PROPFIND", headers=_basic("bob", password)).status_code == 207
    assert sign_in(dav, "bob", password).status_code == 401  # never the web UI


def test_polls_with_wrong_tokens_and_other_methods_get_nothing(empty_app: Flask) -> None:
    client = empty_app.test_client()
    _start(client)
    assert client.post("/index.php/login/v2/poll", data={"token": "guess"}).status_code == 404
    assert client.post("/index.php/login/v2/poll").status_code == 404
    assert client.post("/index.php/login/v2/poll", json={"token": ""}).status_code == 404
    assert client.get("/index.php/login/v2").status_code == 405
    assert client.get("/index.php/login/v2/flow/guess").status_code in (302, 401)


def test_a_granted_name_already_taken_is_refused_and_the_page_suggests_a_free_one(
    empty_app: Flask, empty_admin: FlaskClient
) -> None:
    headers = {"X-CSRF-Token": token(empty_admin)}
    empty_admin.post("/api/v1/phones", json={"name": "Android phone"}, headers=headers)
    flow = _start(empty_app.test_client())
    page = flow["login"].removeprefix("http://localhost")
    assert 'value="Android phone (2)"' in empty_admin.get(page).text
    taken = empty_admin.post(page, data={"name": "Android phone", "csrf_token": token(empty_admin)})
    assert taken.status_code == 400 and "already" in taken.text


def test_flows_expire_after_twenty_minutes_and_are_bounded() -> None:
    now = [0.0]
    flows = Flows(clock=lambda: now[0])
    flow = flows.start("http://box", "app", "10.0.0.2")
    assert flows.waiting(flow.login_token) is flow
    now[0] = login_flow.LIFETIME + 1
    assert flows.waiting(flow.login_token) is None
    assert not flows.grant(flow.login_token, "bob", "pw")
    for _ in range(login_flow.MAX_PENDING + 50):
        flows.start("http://box", "app", "10.0.0.2")
    assert len(flows._by_poll) == login_flow.MAX_PENDING
