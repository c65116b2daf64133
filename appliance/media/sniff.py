"""Content-based file type detection (magic bytes and container brands, never extensions)."""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

from appliance.media.tiff import TiffError, TiffReader

HEAD_BYTES = 4096


@dataclass(frozen=True)
class MediaType:
    """What a file is: MIME type, broad kind and the usual extension (without dot)."""

    mime: str
    kind: str  # "image", "raw", "video", "sidecar" or "unknown"
    ext: str


UNKNOWN = MediaType("application/octet-stream", "unknown", "")
TEXT = MediaType("text/plain", "unknown", "txt")

# ISO-BMFF ftyp brands, in the order they are tried (major brand first, then compatibles).
_BRANDS: dict[bytes, MediaType] = {
    b"heic": MediaType("image/heic", "image", "heic"),
    b"heim": MediaType("image/heic", "image", "heic"),
    b"heis": MediaType("image/heic", "image", "heic"),
    b"heix": MediaType("image/heif", "image", "heif"),
    b"mif1": MediaType("image/heif", "image", "heif"),
    b"mif2": MediaType("image/heif", "image", "heif"),
    b"hevc": MediaType("image/heic-sequence", "image", "heics"),
    b"hevx": MediaType("image/heic-sequence", "image", "heics"),
    b"msf1": MediaType("image/heif-sequence", "image", "heifs"),
    b"avif": MediaType("image/avif", "image", "avif"),
    b"avis": MediaType("image/avif", "image", "avif"),
    b"crx ": MediaType("image/x-canon-cr3", "raw", "cr3"),
    b"jp2 ": MediaType("image/jp2", "image", "jp2"),
    b"jpx ": MediaType("image/jpx", "image", "jpx"),
    b"jxl ": MediaType("image/jxl", "image", "jxl"),
    b"qt  ": MediaType("video/quicktime", "video", "mov"),
    b"isom": MediaType("video/mp4", "video", "mp4"),
    b"iso2": MediaType("video/mp4", "video", "mp4"),
    b"mp41": MediaType("video/mp4", "video", "mp4"),
    b"mp42": MediaType("video/mp4", "video", "mp4"),
    b"avc1": MediaType("video/mp4", "video", "mp4"),
    b"dash": MediaType("video/mp4", "video", "mp4"),
    b"M4V ": MediaType("video/x-m4v", "video", "m4v"),
    b"3gp4": MediaType("video/3gpp", "video", "3gp"),
    b"3gp5": MediaType("video/3gpp", "video", "3gp"),
    b"3gp6": MediaType("video/3gpp", "video", "3gp"),
    b"3g2a": MediaType("video/3gpp2", "video", "3g2"),
}

# TIFF-based RAW formats recognised by their camera make (IFD0 tag 0x010F).
_RAW_MAKES: tuple[tuple[str, MediaType], ...] = (
    ("NIKON", MediaType("image/x-nikon-nef", "raw", "nef")),
    ("SONY", MediaType("image/x-sony-arw", "raw", "arw")),
    ("PENTAX", MediaType("image/x-pentax-pef", "raw", "pef")),
    ("ASAHI", MediaType("image/x-pentax-pef", "raw", "pef")),
    ("SAMSUNG", MediaType("image/x-samsung-srw", "raw", "srw")),
    ("HASSELBLAD", MediaType("image/x-hasselblad-3fr", "raw", "3fr")),
    ("SEIKO EPSON", MediaType("image/x-epson-erf", "raw", "erf")),
    ("MAMIYA", MediaType("image/x-mamiya-mef", "raw", "mef")),
    ("LEAF", MediaType("image/x-raw", "raw", "mos")),
    ("PHASE ONE", MediaType("image/x-phaseone-iiq", "raw", "iiq")),
    ("CANON", MediaType("image/x-canon-cr2", "raw", "cr2")),
)
_KODAK = MediaType("image/x-kodak-kdc", "raw", "kdc")  # KDC and DCR differ only by name
_DNG = MediaType("image/x-adobe-dng", "raw", "dng")
_TIFF = MediaType("image/tiff", "image", "tif")
_RAW_PHOTOMETRIC = {32803, 34892}  # CFA, LinearRaw


def sniff(path: Path) -> MediaType:
    """Detect the type of ``path`` from its content. Raises OSError if it cannot be read."""
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
        if head[:2] in (b"II", b"MM") and head[2:4] in (b"*\0", b"\0*"):
            return _sniff_tiff(fh, head)
    return sniff_bytes(head)


def sniff_bytes(head: bytes) -> MediaType:
    """Detect a type from the first bytes of a file (TIFF RAWs need :func:`sniff`)."""
    if not head:
        return UNKNOWN
    if head[:3] == b"\xff\xd8\xff":
        return MediaType("image/jpeg", "image", "jpg")
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return MediaType("image/png", "image", "png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return MediaType("image/gif", "image", "gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaType("image/webp", "image", "webp")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return MediaType("video/x-msvideo", "video", "avi")
    if head[:2] == b"BM" and len(head) >= 18:
        dib = struct.unpack("<I", head[14:18])[0]
        if dib in (12, 16, 40, 52, 56, 64, 108, 124):
            return MediaType("image/bmp", "image", "bmp")
    tiff_like = _sniff_tiff_signature(head)
    if tiff_like is not None:
        return tiff_like
    if head[:2] in (b"II", b"MM") and head[2:4] in (b"*\0", b"\0*"):
        return _TIFF
    if head[:8] == b"II\x1a\0\0\0HE" and head[6:14] == b"HEAPCCDR":
        return MediaType("image/x-canon-crw", "raw", "crw")
    if head[:4] == b"\0MRM":
        return MediaType("image/x-minolta-mrw", "raw", "mrw")
    if head[:4] == b"FOVb":
        return MediaType("image/x-sigma-x3f", "raw", "x3f")
    if head[:16] == b"FUJIFILMCCD-RAW ":
        return MediaType("image/x-fujifilm-raf", "raw", "raf")
    if head[:2] == b"\xff\x0a":
        return MediaType("image/jxl", "image", "jxl")
    if head[:12] == b"\0\0\0\x0cJXL \r\n\x87\n":
        return MediaType("image/jxl", "image", "jxl")
    if head[:12] == b"\0\0\0\x0cjP  \r\n\x87\n":
        brand = head[20:24] if head[16:20] == b"ftyp" else b"jp2 "
        return _BRANDS.get(brand, _BRANDS[b"jp2 "])
    if head[:4] == b"\xff\x4f\xff\x51":
        return MediaType("image/x-j2c", "image", "j2c")
    if head[:4] == b"8BPS":
        return MediaType("application/vnd.adobe.photoshop", "image", "psd")
    if head[4:8] == b"ftyp":
        return _sniff_ftyp(head)
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return MediaType("video/quicktime", "video", "mov")
    if head[:4] == b"\x1a\x45\xdf\xa3":
        if b"webm" in head[:64]:
            return MediaType("video/webm", "video", "webm")
        return MediaType("video/x-matroska", "video", "mkv")
    if head[:4] in (b"\0\0\x01\xba", b"\0\0\x01\xb3"):
        return MediaType("video/mpeg", "video", "mpg")
    return _sniff_text(head)


def _sniff_tiff_signature(head: bytes) -> MediaType | None:
    """TIFF variants told apart by their header alone."""
    if head[:4] in (b"II+\0", b"MM\0+"):
        return MediaType("image/x-tiff-big", "image", "btf")
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR"):
        return MediaType("image/x-olympus-orf", "raw", "orf")
    if head[:4] == b"IIU\0":
        return MediaType("image/x-panasonic-rw2", "raw", "rw2")
    if head[:4] == b"II*\0" and head[8:11] == b"CR\x02":
        return MediaType("image/x-canon-cr2", "raw", "cr2")
    return None


def _sniff_ftyp(head: bytes) -> MediaType:
    size = struct.unpack(">I", head[:4])[0]
    end = min(max(size, 16), len(head))
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, end - 3, 4)]
    for brand in brands:
        if brand in _BRANDS:
            return _BRANDS[brand]
    if head[8:10] == b"M4":
        return MediaType("audio/mp4", "unknown", "m4a")
    return MediaType("video/mp4", "video", "mp4")


def _sniff_text(head: bytes) -> MediaType:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"<?xpacket", b"<x:xmpmeta", b"<x:xapmeta")) or (
        text.startswith(b"<?xml") and b"<x:xmpmeta" in head
    ):
        return MediaType("application/rdf+xml", "sidecar", "xmp")
    sample = head[:1024]
    try:
        decoded = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sample is still text
        if exc.start < len(sample) - 3:
            return UNKNOWN
        decoded = sample[: exc.start].decode("utf-8")
    if decoded and all(ch.isprintable() or ch in "\t\r\n\f" for ch in decoded):
        return TEXT
    return UNKNOWN


def _sniff_tiff(fh, head: bytes) -> MediaType:
    """Classic TIFF: plain image, DNG, CR2 or a make-specific TIFF-based RAW."""
    special = _sniff_tiff_signature(head)
    if special is not None:
        return special
    size = fh.seek(0, 2)
    with mmap.mmap(fh.fileno(), size, access=mmap.ACCESS_READ) as buf:
        try:
            reader = TiffReader(buf)
        except TiffError:
            return _TIFF
        ifd0 = reader.read_ifd(reader.first_ifd)
        if ifd0 is None:
            return _TIFF
        if 0xC612 in ifd0.tags:
            return _DNG
        make = ifd0.get(0x010F)
        make = make.upper() if isinstance(make, str) else ""
        if not make or not _looks_raw(reader, ifd0):
            return _TIFF
        if "KODAK" in make:
            return _KODAK
        for prefix, media in _RAW_MAKES:
            if make.startswith(prefix):
                return media
        return MediaType("image/x-raw", "raw", "raw")


def _looks_raw(reader: TiffReader, ifd0) -> bool:
    """True when the TIFF holds sensor data rather than a finished picture."""
    if ifd0.get(0x00FE) == 1 or ifd0.get(0x0106) in _RAW_PHOTOMETRIC:
        return True
    return any(sub.get(0x0106) in _RAW_PHOTOMETRIC for sub in reader.sub_ifds(ifd0))
