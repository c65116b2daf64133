"""Content sniffing: agrees with ExifTool's MIMEType on the corpus, ignores extensions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from appliance.media.sniff import MediaType, sniff, sniff_bytes


def test_every_corpus_file_matches_exiftool_mime(corpus: Path, exiftool_reference) -> None:
    wrong = []
    for rel, rec in exiftool_reference.items():
        expected = rec.get("MIMEType", "application/octet-stream")
        got = sniff(corpus / rel)
        if got.mime != expected:
            wrong.append(f"{rel}: exiftool {expected}, sniff {got.mime}")
    assert not wrong, "\n".join(wrong)


def test_kinds_on_corpus(corpus: Path) -> None:
    assert sniff(corpus / "raw/exiftool/Nikon.nef").kind == "raw"
    assert sniff(corpus / "raw/rawpy/RAW_KODAK_DC50_é.KDC").kind == "raw"
    assert sniff(corpus / "raw/exiftool/CanonRaw.cr3").kind == "raw"
    # a Canon-made TIFF that is a finished picture, not sensor data
    assert sniff(corpus / "exif/exiftool/ExifTool.tif") == MediaType("image/tiff", "image", "tif")
    assert sniff(corpus / "bad/crafted/zero_bytes.jpg").kind == "unknown"
    assert sniff(corpus / "bad/crafted/soi_only.jpg").mime == "application/octet-stream"


def test_extension_is_ignored(corpus: Path, tmp_path: Path) -> None:
    src = corpus / "heif/pillow_heif/arrow.heic"
    disguised = tmp_path / "holiday.jpg"
    shutil.copyfile(src, disguised)
    assert sniff(disguised).mime == "image/heic"
    assert sniff(corpus / "bad/photoprism/wrong.heic").mime == "image/jpeg"


@pytest.mark.parametrize(
    ("head", "mime", "kind"),
    [
        (b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41", "video/mp4", "video"),
        (b"\0\0\0\x14ftypqt  \0\0\x02\0qt  ", "video/quicktime", "video"),
        (b"\0\0\0\x08wide\0\0\0\0mdat", "video/quicktime", "video"),
        (b"\0\0\0\x1cftypmif1\0\0\0\0mif1heicmiaf", "image/heif", "image"),
        (b"\0\0\0\x18ftypavis\0\0\0\0avismif1", "image/avif", "image"),
        (b"RIFF\0\0\0\0AVI LIST", "video/x-msvideo", "video"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm", "video"),
        (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", "video/x-matroska", "video"),
        (b"\0\0\0\x0cJXL \r\n\x87\n\0\0\0\x14ftypjxl ", "image/jxl", "image"),
        (b"\xff\x4f\xff\x51\0\x2f", "image/x-j2c", "image"),
        (b"FUJIFILMCCD-RAW 0201FF383501", "image/x-fujifilm-raf", "raw"),
        (b"IIRO\x08\0\0\0", "image/x-olympus-orf", "raw"),
        (
            b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>',
            "application/rdf+xml",
            "sidecar",
        ),
        (b'<x:xmpmeta xmlns:x="adobe:ns:meta/">', "application/rdf+xml", "sidecar"),
        (b"just some notes\nabout a photo\n", "text/plain", "unknown"),
        (b"\x00\x01\x02\x03\xfe\xfd", "application/octet-stream", "unknown"),
        (b"BM\0\0", "application/octet-stream", "unknown"),
        (b"", "application/octet-stream", "unknown"),
    ],
)
def test_signatures(head: bytes, mime: str, kind: str) -> None:
    got = sniff_bytes(head)
    assert (got.mime, got.kind) == (mime, kind)


def test_unreadable_path_raises(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        sniff(tmp_path / "missing.jpg")
