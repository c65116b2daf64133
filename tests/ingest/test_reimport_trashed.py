"""Issue 28.3: moving content into the library whose photo is in the trash (an inbox file,
`shoebox import --move`) restores the photo; the only live copy is never deleted."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_helpers import make_jpeg

from appliance.catalog import trash
from appliance.catalog.db import open_catalog
from appliance.catalog.models import File, Photo
from appliance.cli import main
from appliance.library import Library


def test_an_inbox_copy_of_a_trashed_photo_brings_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOEBOX_LABELS", "0")
    monkeypatch.setenv("SHOEBOX_FACES", "0")
    root = tmp_path / "library"
    photo = make_jpeg(tmp_path / "card" / "IMG_1.jpg", 3, "2022:03:04 05:06:07")
    content = photo.read_bytes()
    assert main(["--library", str(root), "import", str(tmp_path / "card")]) == 0
    library = Library(root)
    open_catalog(library.catalog_url)
    photo_id = Photo.select(Photo.id).scalar()
    assert trash.trash_photos(library, [photo_id]) == 1

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "IMG_1 copy.jpg").write_bytes(content)
    capsys.readouterr()
    assert main(["--library", str(root), "import", "--move", str(inbox)]) == 0
    out = capsys.readouterr().out
    assert "back in the library" in out, out
    assert not (inbox / "IMG_1 copy.jpg").exists()  # moved in: the library holds it
    open_catalog(library.catalog_url)
    assert Photo.get_by_id(photo_id).trashed_at is None
    stored = File.get(File.photo == photo_id).stored_path
    assert (root / "originals" / stored).read_bytes() == content

    assert trash.empty_trash(library) == 0  # nothing left in the trash to delete
    assert (root / "originals" / stored).read_bytes() == content
