"""Open any supported picture once, at the smallest size that still covers a target.

``decode(path, mime, target)`` returns a :class:`Decoded`: an RGB image whose long side
is at least ``target`` when the source is that large (JPEG draft mode, HEIF embedded
thumbnails, RAW embedded previews), plus what is still to be done to it (EXIF
orientation, ICC -> sRGB). Those two steps are left to :meth:`Decoded.finish` so they
run on the already reduced image, not on the larger decode.

Everything that cannot be decoded raises :class:`RenderError` with a readable reason.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pillow_heif
import rawpy
from PIL import Image, ImageCms, UnidentifiedImageError, features

from appliance.media.guards import TOO_LARGE, TooLarge, check_decode, check_tiff_chunks
from appliance.media.heif_extents import check_heif
from appliance.media.mime import AVIF_MIMES, HEIF_MIMES

PREVIEW_ONLY = "incomplete file: only the preview could be read"

try:  # optional: JPEG XL support ("jxl" extra)
    import pillow_jxl  # noqa: F401  (registers the JXL plugin with Pillow)

    HAVE_JXL = True
except ImportError:  # pragma: no cover - depends on the installation
    HAVE_JXL = False

# Largest picture we agree to decode: admits real 200 MP photos (12240x16320 HEIC),
# refuses decompression bombs (a 20000x20000 PNG is 400 MP).
MAX_PIXELS = 256_000_000
# A HEIF above this size is decoded from its embedded thumbnail when one covers the
# grid size: libheif needs about 7 bytes per pixel (200 MP: 1.4 GB, 6 s on this machine).
HEIF_FULL_DECODE_MAX_PIXELS = 50_000_000
# Smallest embedded image (long side) worth using instead of a full decode.
MIN_PREVIEW_LONG_SIDE = 400
# A RAW file with fewer bytes per sensor pixel than this holds no sensor data (a stub);
# real RAWs, even lossy-compressed ones, are well above it.
RAW_MIN_BYTES_PER_PIXEL = 0.05
# Background for transparent pictures.
BACKGROUND = (255, 255, 255)

# Pillow's own AVIF plugin (libavif with dav1d); pillow-heif's libheif may lack an AV1 decoder.
HAVE_PILLOW_AVIF = bool(features.check("avif"))
JXL_MIMES = frozenset({"image/jxl"})
PILLOW_MIMES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/bmp",
        "image/tiff",
        "image/x-tiff-big",
        "image/jp2",
        "image/jpx",
        "image/x-j2c",
        "application/vnd.adobe.photoshop",
    }
)
RAW_MIMES = frozenset(
    {
        "image/x-adobe-dng",
        "image/x-canon-cr2",
        "image/x-canon-cr3",
        "image/x-canon-crw",
        "image/x-epson-erf",
        "image/x-fujifilm-raf",
        "image/x-hasselblad-3fr",
        "image/x-kodak-kdc",
        "image/x-mamiya-mef",
        "image/x-minolta-mrw",
        "image/x-nikon-nef",
        "image/x-olympus-orf",
        "image/x-panasonic-rw2",
        "image/x-pentax-pef",
        "image/x-phaseone-iiq",
        "image/x-raw",
        "image/x-samsung-srw",
        "image/x-sigma-x3f",
        "image/x-sony-arw",
    }
)

# EXIF orientation -> the transpose that makes the picture upright.
_TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# LibRaw "flip" -> EXIF orientation.
_RAW_FLIP = {0: 1, 3: 3, 5: 8, 6: 6}
# ICC profile descriptions that are sRGB already (no conversion needed).
_SRGB_NAMES = frozenset({"sRGB IEC61966-2.1", "sRGB IEC61966-2-1", "sRGB", "sRGB built-in"})
_SRGB = ImageCms.createProfile("sRGB")
_transforms: dict[tuple[bytes, str], ImageCms.ImageCmsTransform | None] = {}


class RenderError(Exception):
    """A file that cannot be turned into a picture; ``str()`` is the readable reason."""


@dataclass
class Decoded:
    """A decoded picture and the work still to be done on it."""

    image: Image.Image  # mode RGB, stored (not yet oriented) geometry, source colour space
    full_size: tuple[int, int]  # the source's full stored size (width, height)
    orientation: int = 1  # EXIF orientation still to apply (1 once a decoder applied it)
    icc_profile: bytes | None = None  # source profile still to convert from (None: sRGB)
    warnings: list[str] = field(default_factory=list)  # survivable problems, for the file

    @property
    def display_size(self) -> tuple[int, int]:
        """Full size as displayed (width and height swapped for orientations 5-8)."""
        w, h = self.full_size
        return (h, w) if self.orientation >= 5 else (w, h)

    def finish(self, image: Image.Image) -> Image.Image:
        """Apply orientation and sRGB conversion to ``image`` (``self.image`` or a resize of it)."""
        image = orient(image, self.orientation)
        return to_srgb(image, self.icc_profile)


def orient(image: Image.Image, orientation: int) -> Image.Image:
    """Return ``image`` turned upright according to an EXIF orientation (1-8)."""
    transpose = _TRANSPOSE.get(orientation)
    return image.transpose(transpose) if transpose is not None else image


def to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert an RGB ``image`` from ``icc_profile`` to sRGB (unchanged without a profile)."""
    if not icc_profile:
        return image
    transform = _transform(icc_profile, image.mode)
    if transform is None:
        return image
    return ImageCms.applyTransform(image, transform)


def _transform(icc_profile: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """A cached profile -> sRGB transform; None when the profile is sRGB or unusable."""
    key = (icc_profile, mode)
    if key not in _transforms:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            name = ImageCms.getProfileDescription(source).strip()
            if name in _SRGB_NAMES:
                transform = None
            else:
                transform = ImageCms.buildTransform(
                    source, _SRGB, mode, "RGB", ImageCms.Intent.PERCEPTUAL
                )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            transform = None  # a broken profile: show the pixels as they are
        if len(_transforms) > 64:
            _transforms.clear()
        _transforms[key] = transform
    return _transforms[key]


def decode(path: Path, mime: str, target: int, orientation: int | None = None) -> Decoded:
    """Decode ``path`` (content type ``mime``) so that its long side covers ``target`` pixels.

    ``orientation`` is the EXIF orientation from the metadata reader; when None it is read
    from the file. HEIF, AVIF and JPEG XL decoders orient the picture themselves, so the
    value is ignored for them. Raises :class:`RenderError` for anything undecodable.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise RenderError(f"cannot read file: {exc.strerror or exc}") from exc
    if size == 0:
        raise RenderError("empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's EXIF and bomb warnings: we check ourselves
            if mime in AVIF_MIMES and HAVE_PILLOW_AVIF:
                with open(path, "rb") as fh:  # libavif: orientation comes back as EXIF
                    return _decode_pillow(fh, target, None, oriented=False)
            if mime in HEIF_MIMES:
                return _decode_heif(path, target)
            if mime in RAW_MIMES:
                return _decode_raw(path, size, target, orientation)
            if mime in PILLOW_MIMES or mime in JXL_MIMES:
                if mime in JXL_MIMES and not HAVE_JXL:
                    raise RenderError("JPEG XL needs the pillow-jxl-plugin package")
                with open(path, "rb") as fh:
                    return _decode_pillow(fh, target, orientation, oriented=mime in JXL_MIMES)
    except RenderError:
        raise
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = f"{int(found.group(1)) / 1e6:.0f} MP" if found else "picture"
        raise RenderError(
            f"decompression bomb refused: {pixels} exceeds the {MAX_PIXELS / 1e6:.0f} MP limit"
        ) from exc
    except UnidentifiedImageError as exc:
        raise RenderError(f"not a readable {mime} picture (unrecognised data)") from exc
    except TooLarge as exc:
        raise RenderError(str(exc)) from exc
    except MemoryError as exc:  # the worker's address-space cap: this file, not the machine
        raise RenderError(f"{TOO_LARGE} (it ran out of the worker's memory)") from exc
    except OSError as exc:
        if exc.errno is not None:  # the system could not read the file (a drive pulled
            raise  # mid-read gives EIO): not a broken picture, the caller tries again later
        raise RenderError(_reason(exc)) from exc  # Pillow's own errors carry no errno
    except Exception as exc:  # noqa: BLE001 - every decoder failure becomes a readable error
        raise RenderError(_reason(exc)) from exc
    raise RenderError(f"unsupported type {mime}: no picture decoder")


def _reason(exc: Exception) -> str:
    arg = exc.args[0] if len(exc.args) == 1 else None
    text = arg.decode(errors="replace") if isinstance(arg, bytes) else str(exc)
    text = text.strip() or type(exc).__name__
    if "truncated" in text.lower() or isinstance(exc, EOFError):
        return f"truncated file: {text}"
    if isinstance(exc, rawpy.LibRawError):
        return f"RAW decoder: {type(exc).__name__}: {text}"
    return f"decoder failed: {type(exc).__name__}: {text}"


def set_pixel_limit(pixels: int) -> None:
    """Set the decompression-bomb limit for this process (the `max_pixels` setting).

    Pillow refuses at twice its own limit, so a picture between the two is refused by
    :func:`_check_pixels` with the same readable reason.
    """
    global MAX_PIXELS
    if pixels < 1_000_000:
        raise ValueError(f"a pixel limit of {pixels} would refuse ordinary photos")
    MAX_PIXELS = int(pixels)
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def _check_pixels(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise RenderError(f"invalid dimensions {width}x{height}")
    if width * height > MAX_PIXELS:
        raise RenderError(
            f"decompression bomb refused: {width}x{height} = {width * height / 1e6:.0f} MP "
            f"exceeds the {MAX_PIXELS / 1e6:.0f} MP limit"
        )


def _request(size: tuple[int, int], target: int) -> tuple[int, int]:
    """The smallest (w, h) with the aspect of ``size`` whose long side is ``target``."""
    w, h = size
    scale = min(1.0, target / max(w, h))
    return max(1, math.ceil(w * scale)), max(1, math.ceil(h * scale))


def _halvings(size: tuple[int, int], target: int) -> int:
    """How many times ``size`` can be halved while its long side still covers ``target``."""
    levels, long_side = 0, max(size)
    while long_side // 2 >= target and levels < 5:
        long_side //= 2
        levels += 1
    return levels


def _jpeg2000_levels(fh) -> int:
    """Decomposition levels of a JPEG 2000 codestream (from its COD marker; 0 if unknown)."""
    fh.seek(0)
    head = fh.read(1 << 16)
    pos = head.find(b"\xff\x4f\xff\x51")  # SOC + SIZ
    if pos < 0:
        return 0
    pos += 2
    while pos + 4 <= len(head) and head[pos] == 0xFF:
        marker, length = head[pos + 1], int.from_bytes(head[pos + 2 : pos + 4], "big")
        if marker == 0x52:  # COD: Lcod, Scod, SGcod (4 bytes), then the level count
            return head[pos + 9] if pos + 9 < len(head) else 0
        if marker in (0x90, 0x93) or length < 2:  # SOT / SOD: no COD in the main header
            return 0
        pos += 2 + length
    return 0


def _decode_pillow(fh, target: int, orientation: int | None, *, oriented: bool) -> Decoded:
    """Pillow formats (and JPEG XL): JPEG draft mode, first frame of animations.

    The memory guards run before any pixel is decoded: the TIFF piece count before Pillow
    lists the pieces, decoded bytes and compression ratio once the reduced size is known."""
    file_size = fh.seek(0, 2)
    check_tiff_chunks(fh)
    im = Image.open(fh)
    full = im.size
    _check_pixels(*full)
    if im.format in ("JPEG", "MPO"):
        im.draft(im.mode, _request(full, target))
    elif im.format == "JPEG2000":  # decode a lower resolution level
        im.reduce = min(_halvings(full, target), _jpeg2000_levels(fh))
    if getattr(im, "n_frames", 1) > 1:
        im.seek(0)
    width, height = im.size
    reduce = getattr(im, "reduce", 0) if im.format == "JPEG2000" else 0
    reduce = reduce if isinstance(reduce, int) else 0
    check_decode(width >> reduce, height >> reduce, im.mode, file_size)
    if oriented:  # after the guards: a PNG's EXIF may sit after its pixels (a full load)
        orientation = 1
    elif orientation is None:
        orientation = _exif_orientation(im)
    im.load()
    icc = im.info.get("icc_profile")
    image, icc = _to_rgb(im, icc)
    return Decoded(image, full, orientation if orientation in range(1, 9) else 1, icc)


def _exif_orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block only loses the orientation
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _to_rgb(im: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None]:
    """Normalise any mode to 8-bit RGB; returns the image and the profile still to apply."""
    mode = im.mode
    if mode == "CMYK":
        transform = _cmyk_transform(icc)
        if transform is not None:
            return ImageCms.applyTransform(im, transform), None
        return im.convert("RGB"), None
    if mode == "RGB":
        return im, icc
    if mode.startswith("I;16") or mode in ("I", "F"):
        im = _wide_to_l(im)
    elif mode == "P" or mode == "PA":
        im = im.convert("RGBA")
    elif mode == "1":
        im = im.convert("L")
    if im.mode in ("RGBA", "LA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        background = Image.new("RGB", rgba.size, BACKGROUND)
        background.paste(rgba, mask=rgba.getchannel("A"))
        im = background
    gray_icc = im.mode == "L"
    rgb = im.convert("RGB")
    # a grayscale ICC profile cannot be applied to RGB pixels: drop it
    return rgb, (None if gray_icc else icc)


def _wide_to_l(im: Image.Image) -> Image.Image:
    """16/32-bit single channel -> 8-bit L, scaled by the value range the mode holds."""
    if im.mode.startswith("I;16"):  # Pillow's convert("L") would clip, not scale
        return Image.fromarray((np.asarray(im, dtype=np.uint16) >> 8).astype(np.uint8), "L")
    arr = np.asarray(im, dtype=np.float64)
    top = 65535.0 if arr.max(initial=0) > 255 else 255.0
    return Image.fromarray(np.clip(arr * (255.0 / top), 0, 255).astype(np.uint8), "L")


def _cmyk_transform(icc: bytes | None) -> ImageCms.ImageCmsTransform | None:
    if not icc:
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.buildTransform(source, _SRGB, "CMYK", "RGB", ImageCms.Intent.PERCEPTUAL)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


def _decode_heif(path: Path, target: int) -> Decoded:
    """HEIC/HEIF/AVIF via pillow-heif; libheif already applies rotation and mirroring.

    A file whose picture data does not all lie inside it (cut short) is refused, or, when
    an embedded preview is whole, shown from the preview with a warning."""
    completeness = check_heif(path)
    warnings = [completeness.reason] if completeness.primary_ok and completeness.reason else []
    if not completeness.primary_ok and not completeness.preview_ok:
        raise RenderError(completeness.reason)
    try:
        heif = pillow_heif.open_heif(path, convert_hdr_to_8bit=True)
        primary = heif[heif.primary_index]
    except (OSError, ValueError, SyntaxError, RuntimeError, EOFError) as exc:
        raise RenderError(f"not a readable HEIF/AVIF picture: {exc}") from exc
    full = primary.size
    _check_pixels(*full)
    source = primary
    pixels = full[0] * full[1]
    wanted = target if pixels <= HEIF_FULL_DECODE_MAX_PIXELS else MIN_PREVIEW_LONG_SIDE
    im = None
    if not completeness.primary_ok:
        for thumb in _heif_thumbnails_largest_first(primary):
            try:
                pixels = _heif_pixels(thumb)
            except (OSError, ValueError, RuntimeError):
                continue  # this preview is damaged too: try the next one
            warnings.append(f"{PREVIEW_ONLY} ({completeness.reason.split(': ', 1)[-1]})")
            image, icc = _to_rgb(pixels, thumb.info.get("icc_profile"))
            return Decoded(image, full, 1, icc, warnings)
        raise RenderError(completeness.reason)
    thumb = _heif_thumbnail(primary, wanted)
    if thumb is not None:
        try:
            im = _heif_pixels(thumb)
            source = thumb
        except (OSError, ValueError, RuntimeError):
            im = None  # a broken embedded thumbnail: decode the picture itself
    if im is None:
        check_decode(*full, primary.mode, path.stat().st_size)
        im = _heif_pixels(primary)
    icc = source.info.get("icc_profile") or primary.info.get("icc_profile")
    image, icc = _to_rgb(im, icc)
    return Decoded(image, full, 1, icc, warnings)


def _heif_thumbnails_largest_first(primary) -> list:
    """Every embedded thumbnail that opens, largest first."""
    found = []
    for index in range(len(primary.info.get("thumbnails", []))):
        try:
            found.append(primary.get_thumbnail(index))
        except (OSError, ValueError, RuntimeError):
            continue
    return sorted(found, key=lambda t: t.size[0] * t.size[1], reverse=True)


def _heif_pixels(item) -> Image.Image:
    """Decode a HEIF image or thumbnail into a Pillow image (no copy for 8-bit modes)."""
    if item.mode in ("RGB", "RGBA", "L"):
        data = item.data  # decodes; a view on libheif's buffer
        return Image.frombuffer(item.mode, item.size, data, "raw", item.mode, item.stride, 1)
    return item.to_pillow()


def _heif_thumbnail(primary, long_side: int):
    """The smallest embedded thumbnail covering ``long_side`` with the picture's aspect."""
    w, h = primary.size
    best = None
    for index in range(len(primary.info.get("thumbnails", []))):
        try:
            thumb = primary.get_thumbnail(index)
        except (OSError, ValueError, RuntimeError):
            continue
        tw, th = thumb.size
        if max(tw, th) < min(long_side, max(w, h)) or thumb.mode != primary.mode:
            continue
        if abs(tw / th - w / h) > 0.02 * (w / h):  # a crop or a rotated thumbnail
            continue
        if best is None or tw * th < best.size[0] * best.size[1]:
            best = thumb
    return best


def _decode_raw(path: Path, size: int, target: int, orientation: int | None) -> Decoded:
    """RAW: the embedded preview; a half-size demosaic only when there is sensor data
    and no preview that covers the grid size."""
    with rawpy.imread(str(path)) as raw:
        sizes = raw.sizes
        if orientation is None:
            orientation = _RAW_FLIP.get(sizes.flip, 1)
        preview = _raw_preview(raw, target)
        has_data = size >= RAW_MIN_BYTES_PER_PIXEL * sizes.raw_width * sizes.raw_height
        if preview is not None and max(preview.size) >= MIN_PREVIEW_LONG_SIDE:
            image, icc = _to_rgb(preview, preview.info.get("icc_profile"))
            return Decoded(image, (sizes.width, sizes.height), orientation, icc)
        if not has_data:
            found = "no embedded preview" if preview is None else "only a tiny preview"
            raise RenderError(
                f"RAW file has {found} and no sensor data "
                f"({size} bytes for {sizes.raw_width}x{sizes.raw_height} pixels)"
            )
        _check_pixels(sizes.width, sizes.height)
        half = max(sizes.width, sizes.height) // 2 >= target
        rgb = raw.postprocess(half_size=half, use_camera_wb=True, output_bps=8)
    image = Image.fromarray(rgb, "RGB")
    # LibRaw's postprocess already applied the flip
    w, h = sizes.width, sizes.height
    full = (h, w) if sizes.flip in (5, 6) else (w, h)
    return Decoded(image, full, 1, None)


def _raw_preview(raw: rawpy.RawPy, target: int) -> Image.Image | None:
    try:
        thumb = raw.extract_thumb()
    except (rawpy.LibRawNoThumbnailError, rawpy.LibRawUnsupportedThumbnailError):
        return None
    except rawpy.LibRawError:
        return None
    if thumb.format == rawpy.ThumbFormat.JPEG:
        im = Image.open(io.BytesIO(thumb.data))
        full = im.size
        _check_pixels(*full)
        im.draft(im.mode, _request(full, target))
        im.load()
        return im
    array = np.asarray(thumb.data)
    if array.ndim == 3 and array.shape[2] == 3 and array.dtype == np.uint8:
        return Image.fromarray(array, "RGB")
    return None
