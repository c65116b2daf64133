"""The browser half of Nextcloud's Login Flow v2 (`phones.login_flow`): the page a Nextcloud
app opens. The member signs in as usual (this page needs a session), sees which app asks
and from where, names the phone and grants it; the phone is added as on the Phones page and
its app password goes to the app's next poll, never to this page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, render_template, request

from appliance.phones import devices
from appliance.phones.login_flow import FLOW_PAGE, FLOWS, suggested_name
from appliance.web.permissions import require

bp = Blueprint("login_flow", __name__)


def _free_name(username: str, wanted: str) -> str:
    taken = {phone.name for phone in devices.list_phones(username)}
    name, n = wanted, 2
    while name in taken:
        name, n = f"{wanted} ({n})", n + 1
    return name


@bp.route(FLOW_PAGE + "<token>", methods=["GET", "POST"])
def grant(token: str) -> Any:
    require(g.user, "phone.own")
    flow = FLOWS.waiting(token)
    if flow is None:
        abort(404, "this sign-in link has expired or was used: start again in the app")
    error, status = None, 200
    suggested = _free_name(g.user.username, suggested_name(flow.client))
    if request.method == "POST":
        try:
            new = devices.add_phone(g.user.username, request.form.get("name", ""))
        except devices.PhoneError as exc:
            error, status = str(exc), 400
        else:
            if not FLOWS.grant(token, g.user.username, new.password):
                devices.revoke_phone(g.user.username, new.phone.name)
                abort(404, "this sign-in link has expired or was used: start again in the app")
            return render_template("login_flow_done.html", title="Phone added", phone=new.phone)
    page = render_template(
        "login_flow.html",
        title="Allow a phone to back up",
        flow=flow,
        suggested=request.form.get("name", suggested),
        error=error,
    )
    return page, status
