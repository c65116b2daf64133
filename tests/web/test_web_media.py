"""Thumbnails and originals: caching, ranges, downloads, and no way out of the library."""

from __future__ import annotations

import os
from pathlib import Path

from flask.testing import FlaskClient
from web_fixtures import Built

from appliance.catalog.models import File, Location, Photo

CHELSEA = "misc/skimage/chelsea.jpg"


def _photo(web: Built, rel: str = CHELSEA) -> Photo:
    return Photo.get_by_id(web.photo_ids[rel])


def test_thumbnails_are_cached_immutably(member: FlaskClient, web: Built) -> None:
    sha = _photo(web).primary_sha256
    for size in ("grid", "viewer"):
        response = member.get(f"/media/thumb/{size}/{sha}.jpg")
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.data[:3] == b"\xff\xd8\xff"
        cache = response.headers["Cache-Control"]
        # issue 14's contract for content-addressed media: public, a year, immutable
        assert sorted(cache.replace(" ", "").split(",")) == [
            "immutable",
            "max-age=31536000",
            "public",
        ]
        again = member.get(
            f"/media/thumb/{size}/{sha}.jpg", headers={"If-None-Match": response.headers["ETag"]}
        )
        assert again.status_code == 304
    assert member.get(f"/media/thumb/huge/{sha}.jpg").status_code == 404
    assert member.get(f"/media/thumb/grid/{'a' * 64}.jpg").status_code == 404


def test_original_download_range_and_name(member: FlaskClient, web: Built, corpus: Path) -> None:
    sha = _photo(web).primary_sha256
    data = (corpus / CHELSEA).read_bytes()
    full = member.get(f"/media/original/{sha}")
    assert full.status_code == 200 and full.data == data
    assert "immutable" in full.headers["Cache-Control"] and full.headers["ETag"] == f'"{sha}"'
    part = member.get(f"/media/original/{sha}", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == data[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    download = member.get(f"/media/original/{sha}?download=1")
    assert download.headers["Content-Disposition"] == "attachment; filename=chelsea.jpg"


def test_request_paths_never_reach_the_file_system(member: FlaskClient) -> None:
    attempts = [
        "/media/original/../../etc/passwd",
        "/media/original/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/media/original/..%2F..%2Fcatalog.db",
        "/media/original//etc/passwd",
        "/media/original/%2Fetc%2Fpasswd",
        "/media/thumb/grid/../../catalog.db",
        "/media/thumb/..%2f..%2f/x.jpg",
        "/media/thumb/grid/%2e%2e%2fsecret_key.jpg",
        "/static/../catalog.db",
        "/static/..%2f..%2fsecret_key",
        "/static/%2e%2e/%2e%2e/config.py",
        "/s/x/thumb/grid/..%2f..%2fsecret_key.jpg",
    ]
    for url in attempts:
        response = member.get(url)
        assert response.status_code in (400, 404), url
        assert b"root:" not in response.data and b"SQLite" not in response.data, url


def test_catalog_paths_leaving_the_library_are_refused(member: FlaskClient, web: Built) -> None:
    file = File.get(File.photo == _photo(web))
    for bad in ("../../../../etc/passwd", "/etc/passwd", "2023/../../secret_key"):
        File.update(stored_path=bad).where(File.id == file.id).execute()
        assert member.get(f"/media/original/{file.sha256}").status_code in (403, 404), bad


def test_symlink_out_of_the_library_is_refused(
    member: FlaskClient, web: Built, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(b"\xff\xd8\xffsecret")
    file = File.get(File.photo == _photo(web))
    link = web.library.originals / "2023" / "link.jpg"
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(outside, link)
    File.update(stored_path="2023/link.jpg").where(File.id == file.id).execute()
    response = member.get(f"/media/original/{file.sha256}")
    assert response.status_code == 403 and b"secret" not in response.data
    # a thumbnail replaced by a symlink is refused too
    thumb = web.library.cache / "thumbs" / "grid" / file.sha256[:2] / f"{file.sha256}.jpg"
    thumb.unlink()
    os.symlink(outside, thumb)
    assert member.get(f"/media/thumb/grid/{file.sha256}.jpg").status_code == 404


def test_indexed_in_place_files_are_served_without_symlinks(
    member: FlaskClient, web: Built, tmp_path: Path, corpus: Path
) -> None:
    file = File.get(File.photo == _photo(web))
    File.update(stored_path=None).where(File.id == file.id).execute()
    # its location is the file it was imported from (the fixture's copy of the corpus file)
    assert member.get(f"/media/original/{file.sha256}").data == (corpus / CHELSEA).read_bytes()
    real = tmp_path / "real"
    real.mkdir()
    (real / "x.jpg").write_bytes(b"\xff\xd8\xffhidden")
    os.symlink(real, tmp_path / "via-link")
    Location.update(path=str(tmp_path / "via-link" / "x.jpg")).where(
        Location.file == file.id
    ).execute()
    assert member.get(f"/media/original/{file.sha256}").status_code == 403
    Location.update(missing=True).where(Location.file == file.id).execute()
    assert member.get(f"/media/original/{file.sha256}").status_code == 404
