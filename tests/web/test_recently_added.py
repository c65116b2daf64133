"""Recently added (issue 26, item 4): the photos the last added first, each saying where it
came from, through the real import paths of the little library plus an upload and a
phone's backup queued like the real ones."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath

from flask.testing import FlaskClient
from web_fixtures import Built, token

from appliance.catalog.models import Photo
from appliance.catalog.recent import describe_source

CHELSEA = "misc/skimage/chelsea.jpg"


def test_the_last_added_come_first_with_where_they_came_from(
    admin: FlaskClient, member: FlaskClient, web: Built
) -> None:
    ids = list(web.photo_ids.values())
    # as if they came in one by one, a minute apart, in the order of the fixture list
    start = dt.datetime(2026, 12, 1, 9, 0)
    for n, photo_id in enumerate(ids):
        Photo.update(created_at=start + dt.timedelta(minutes=n)).where(
            Photo.id == photo_id
        ).execute()
    page = member.get("/api/v1/photos/recent?limit=5").json
    assert [i["id"] for i in page["items"]] == ids[::-1][:5]
    assert page["items"][0]["added_at"].startswith("2026-12-01T09:")
    folder = "import"  # the fixture imports its copies from a folder called "import"
    assert {i["source"] for i in page["items"]} == {f"From the folder “{folder}”"}
    seen = [i["id"] for i in page["items"]]
    cursor = page["next_cursor"]
    while cursor:
        page = member.get(f"/api/v1/photos/recent?limit=5&cursor={cursor}").json
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert seen == ids[::-1]
    assert member.get("/api/v1/photos/recent?cursor=nonsense").status_code == 400
    # trashed and archived photos are not the timeline's
    h = {"X-CSRF-Token": token(admin)}
    archived = admin.patch(f"/api/v1/photos/{ids[-1]}", json={"archived": True}, headers=h)
    assert archived.status_code == 200
    assert ids[-1] not in {i["id"] for i in member.get("/api/v1/photos/recent").json["items"]}

    html = member.get("/recent").text
    assert "Recently added" in html and f"From the folder “{folder}”" in html
    assert "added 1 December 2026" in html
    assert f'href="/photo/{ids[-2]}"' in html


def test_sources_in_words() -> None:
    assert describe_source("upload", "/lib/uploads/x/a.jpg", "kid") == "Uploaded by kid"
    assert describe_source("phone", "/lib/phones/1/a.jpg", "mum") == "From mum's phone"
    assert describe_source("takeout", "/lib/staging/a.jpg", None) == "From Google Takeout"
    assert describe_source("icloud", None, None) == "From iCloud"
    assert describe_source("volume", "/media/NIKON D70/DCIM/a.jpg", None) == (
        "From the card or drive “NIKON D70”"
    )
    assert describe_source("volume", "/run/media/pi/SD/DCIM/a.jpg", None) == (
        "From the card or drive “SD”"
    )
    assert describe_source("volume", "/lib/staging/ptp-1/a.jpg", None) == (
        "From a camera or phone plugged in"
    )
    assert describe_source("inbox", "/lib/inbox/a.jpg", None) == "From the inbox folder"
    assert describe_source("index", str(PurePosixPath("/photos/2019/a.jpg")), None) == (
        "From the folder “2019”"
    )
    assert describe_source(None, None, None) == "Added to the library"
