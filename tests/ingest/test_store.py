"""Verified copies and recovery of whatever a crash left in originals/.incoming."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from appliance.ingest.store import StoreError, copy_verified, place, recover_incoming
from appliance.naming import destination, safe_name


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_copy_is_verified_and_named_by_hash(tmp_path: Path) -> None:
    source = tmp_path / "a.jpg"
    source.write_bytes(b"x" * 3_000_000)
    copy = copy_verified(source, tmp_path / "incoming", _sha(source.read_bytes()))
    assert copy.name == _sha(source.read_bytes()) and copy.read_bytes() == source.read_bytes()
    assert not list((tmp_path / "incoming").glob("*.partial"))


def test_a_source_that_changed_since_hashing_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "a.jpg"
    source.write_bytes(b"new content")
    with pytest.raises(StoreError, match="changed"):
        copy_verified(source, tmp_path / "incoming", _sha(b"old content"))
    assert not list((tmp_path / "incoming").iterdir())


def test_recovery_finishes_committed_copies_and_drops_the_rest(tmp_path: Path) -> None:
    incoming, originals = tmp_path / "originals/.incoming", tmp_path / "originals"
    incoming.mkdir(parents=True)
    committed, uncommitted = b"committed photo", b"uncommitted photo"
    (incoming / _sha(committed)).write_bytes(committed)
    (incoming / _sha(uncommitted)).write_bytes(uncommitted)
    (incoming / f"{_sha(b'half')}.partial").write_bytes(b"ha")
    rows = {_sha(committed): "2020/01/a.jpg"}
    assert recover_incoming(incoming, originals, rows.get) == 1
    assert (originals / "2020/01/a.jpg").read_bytes() == committed
    assert not list(incoming.iterdir())


def test_recovery_never_overwrites_or_places_a_corrupt_copy(tmp_path: Path) -> None:
    incoming, originals = tmp_path / "originals/.incoming", tmp_path / "originals"
    incoming.mkdir(parents=True)
    data = b"photo"
    (incoming / _sha(data)).write_bytes(b"phot")  # torn write: does not match its name
    assert recover_incoming(incoming, originals, {_sha(data): "x/a.jpg"}.get) == 0
    assert not (originals / "x/a.jpg").exists()


def test_place_refuses_to_overwrite(tmp_path: Path) -> None:
    a, target = tmp_path / "a", tmp_path / "dir/t.jpg"
    a.write_bytes(b"1")
    target.parent.mkdir()
    target.write_bytes(b"existing")
    with pytest.raises(StoreError):
        place(a, target)
    assert target.read_bytes() == b"existing"


def test_destination_avoids_taken_names(tmp_path: Path) -> None:
    taken = {"2019/07/IMG_1.JPG", "2019/07/IMG_1 (1).JPG"}
    when = dt.datetime(2019, 7, 4)
    assert destination(when, "IMG_1.JPG", taken.__contains__, tmp_path) == "2019/07/IMG_1 (2).JPG"
    assert destination(None, "x.png", taken.__contains__, tmp_path) == "undated/x.png"


@pytest.mark.parametrize(
    ("name", "safe"),
    [("../../etc/passwd", "_.._etc_passwd"), ("a:b?.jpg", "a_b_.jpg"), ("..", "photo")],
)
def test_safe_names(name: str, safe: str) -> None:
    assert safe_name(name) == safe


def test_two_workers_storing_the_same_bytes_at_once_both_verify(tmp_path: Path) -> None:
    """A card holding a photo twice: two workers copy the same content into .incoming at
    the same moment while the writer places (and so removes) the first copy. Each copy is
    written under a name of its own and verified through its own handle: neither fails
    (they used to truncate each other's one .partial: "does not match the original")."""
    import multiprocessing as mp

    data = bytes(range(256)) * 20_000  # 5 MB: long enough for the copies to overlap
    sources = []
    for i in range(2):
        source = tmp_path / f"IMG_{i}.JPG"
        source.write_bytes(data)
        sources.append(source)
    sha = hashlib.sha256(data).hexdigest()
    incoming, originals = tmp_path / ".incoming", tmp_path / "originals"
    context = mp.get_context("spawn")
    with context.Pool(2) as pool:
        for attempt in range(15):
            results = [
                pool.apply_async(copy_verified, (source, incoming, sha)) for source in sources
            ]
            first = results[0].get(timeout=60)
            place(first, originals / f"{attempt}.JPG")  # the writer, while the other copies
            results[1].get(timeout=60)  # raises StoreError if a copy was spoilt
            (incoming / sha).unlink(missing_ok=True)
    assert not list(incoming.glob("*.partial"))
    assert all(hashlib.sha256(p.read_bytes()).hexdigest() == sha for p in originals.iterdir())
