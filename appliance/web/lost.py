"""What the web UI serves while the catalog is lost: one plain page, no setup, no login.

Anyone on the LAN could otherwise claim the admin account of an "empty" library. The page
says what happened and the two ways back; every path answers 503 with it.
"""

from __future__ import annotations

import html

from flask import Flask, Response

from appliance.catalog.health import WAY_BACK, CatalogHealth

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shoebox: catalog lost</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>The photo catalog is lost</h1>
<p>{reason}.</p>
<p>Your photos are safe in <code>originals/</code> and nothing was changed. Sign-up is
closed until the catalog is back. On the appliance, run one of:</p>
<pre>shoebox restore        # the newest verified backup
shoebox rebuild        # re-catalogue every file under originals/</pre>
<p>then restart the service.</p>
</body></html>
"""


def lost_app(health: CatalogHealth) -> Flask:
    """A Flask app that answers every request with the lost-catalog page (503)."""
    app = Flask(__name__)
    body = PAGE.format(reason=html.escape(health.reason[:1].upper() + health.reason[1:]))

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    @app.route("/<path:path>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def everything(path: str) -> Response:
        response = Response(body, status=503, mimetype="text/html")
        response.headers["Retry-After"] = "3600"
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Shoebox-Catalog"] = "lost"
        return response

    app.config["SHOEBOX_CATALOG_LOST"] = f"{health.reason}; {WAY_BACK}"
    return app
