"""Property-based run of the whole OpenAPI spec against the live app (schemathesis).

Every operation of /api/v1/openapi.json (including routes other areas add later) gets
positive and negative generated requests, signed in as an admin with a valid CSRF token,
against a real library. Checks: no 5xx, and every response matches its documented schema.
Bounded: ``EXAMPLES`` per operation (a few hundred requests, well under 3 minutes). The
counts are written to test-artifacts/schemathesis.json for the record.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from web_fixtures import PASSWORD, Built, copy_built

from appliance.catalog.models import User
from appliance.catalog.sessions import start_session
from appliance.catalog.users import create_user
from appliance.web import create_app
from appliance.web.openapi import spec

EXAMPLES = 12
COUNTS: Counter[str] = Counter()
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def live_app(web_template: Built, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    built = copy_built(web_template, tmp_path_factory.mktemp("schemathesis") / "library")
    app = create_app(built.settings, built.library)
    create_user("alice", PASSWORD, "admin")
    create_user("bob", PASSWORD, "member")
    yield app
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "schemathesis.json").write_text(json.dumps(dict(sorted(COUNTS.items())), indent=1))


def _admin_session(app: Flask) -> tuple[str, str]:
    """A fresh admin session for each request: generated requests may sign the user out
    everywhere, change its password or demote it; the run goes on as an admin."""
    alice = User.get(User.username == "alice")
    User.update(role="admin").where(User.id == alice.id).execute()
    csrf = secrets.token_urlsafe(16)
    cookie = app.session_interface.get_signing_serializer(app).dumps(
        {"sid": start_session(alice.id), "csrf": csrf}
    )
    return cookie, csrf


# The whole spec, as the app publishes it (routes added by other areas included); the
# app it runs against is the module's live library, attached before the first call.
schema = schemathesis.openapi.from_dict(spec())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_never_fails_and_matches_its_schema(case, live_app: Flask) -> None:  # noqa: ANN001
    cookie, csrf = _admin_session(live_app)
    case.cookies = {**(case.cookies or {}), "shoebox_session": cookie}
    response = case.call(app=live_app, headers={"X-CSRF-Token": csrf})
    COUNTS["requests"] += 1
    COUNTS[f"status {response.status_code // 100}xx"] += 1
    try:
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
    except Exception:
        COUNTS["failures"] += 1
        raise
