"""Movies: stream facts (ffprobe), an integrity check, and the poster frame (ffmpeg).

Capture date, GPS and camera come from the metadata engine; this module knows only what
the decoder needs: codecs, container, geometry as displayed (rotation and pixel aspect
applied), duration and frame rate, and whether a browser can play the file as it is.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from PIL import Image

from appliance.media import ffmpeg
from appliance.media.render import VIEWER_LONG_SIDE

POSTER_AT = 1.0  # seconds in: past a fade-in, early enough for a 2 s Live Photo
PROBE_TIMEOUT = 20.0
CHECK_TIMEOUT = 60.0
POSTER_TIMEOUT = 60.0

# Containers and codecs every family browser (Chrome, Firefox, Safari, phones) plays as is.
_MP4_FAMILY = {"mov", "mp4", "m4a", "3gp", "3g2", "mj2"}
_DIRECT = {
    "mp4": ({"h264"}, {None, "aac", "mp3"}),
    "webm": ({"vp8", "vp9", "av1"}, {None, "opus", "vorbis"}),
}


class VideoError(RuntimeError):
    """A movie that cannot be catalogued; the message is the reason shown to the user."""


@dataclass(frozen=True)
class VideoFacts:
    """What ffprobe says about a movie's first video stream."""

    container: str  # "mp4" (MP4/MOV/3GP family), "webm", "matroska", "avi", ...
    video_codec: str
    audio_codec: str | None
    coded_size: tuple[int, int]
    rotation: int  # clockwise degrees the picture is turned for display: 0, 90, 180, 270
    display_size: tuple[int, int]  # (width, height) as displayed
    duration: float | None  # seconds
    frame_rate: float | None

    @property
    def playback(self) -> str:
        """ "direct" when browsers play the file as it is, else "transcode"."""
        codecs = _DIRECT.get(self.container)
        if codecs and self.video_codec in codecs[0] and self.audio_codec in codecs[1]:
            return "direct"
        return "transcode"

    @property
    def stream_mime(self) -> str:
        """The MIME type a browser should be told when the file is streamed as it is."""
        return "video/webm" if self.container == "webm" else "video/mp4"


def probe(path: Path) -> VideoFacts:
    """Read the stream facts; raise :class:`VideoError` for anything that is not a movie."""
    args = [
        ffmpeg.FFPROBE, "-v", "error", "-of", "json", "-show_format", "-show_streams",
        *ffmpeg.input_args(path)[1:],
    ]  # fmt: skip
    try:
        done = ffmpeg.run(args, PROBE_TIMEOUT, what="ffprobe")
        data = json.loads(done.stdout or b"{}")
    except ffmpeg.FFmpegError as exc:
        raise VideoError(_reason(str(exc), exc.stderr)) from None
    except ValueError:
        raise VideoError("ffprobe gave no readable answer") from None
    return facts_from_probe(data)


def facts_from_probe(data: dict[str, Any]) -> VideoFacts:
    """:class:`VideoFacts` from ffprobe's JSON (``-show_format -show_streams``)."""
    streams = data.get("streams") or []
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video"
            and not (s.get("disposition") or {}).get("attached_pic")
        ),
        None,
    )
    if video is None:
        raise VideoError("no video stream in this movie")
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if width <= 0 or height <= 0:
        raise VideoError("the video stream has no picture size")
    rotation = _rotation(video)
    sar = _ratio(video.get("sample_aspect_ratio"))
    display_w = width if sar == 1 else int(width * sar) // 2 * 2  # as the poster filter does
    display = (height, display_w) if rotation in (90, 270) else (display_w, height)
    fmt = data.get("format") or {}
    return VideoFacts(
        container=_container(fmt.get("format_name", ""), fmt),
        video_codec=str(video.get("codec_name") or "unknown"),
        audio_codec=audio.get("codec_name") if audio else None,
        coded_size=(width, height),
        rotation=rotation,
        display_size=display,
        duration=_float(fmt.get("duration")) or _float(video.get("duration")),
        frame_rate=_frame_rate(video.get("avg_frame_rate"))
        or _frame_rate(video.get("r_frame_rate")),
    )


def _container(format_name: str, fmt: dict[str, Any]) -> str:
    names = set(format_name.split(","))
    if names & _MP4_FAMILY:
        return "mp4"
    if "webm" in names or "matroska" in names:
        tags = {k.lower(): v for k, v in (fmt.get("tags") or {}).items()}
        doctype = str(tags.get("doctype", "")).lower()
        # ffprobe names both "matroska,webm"; a WebM file says so in its filename or doctype
        if doctype == "webm" or str(fmt.get("filename", "")).lower().endswith(".webm"):
            return "webm"
        return "webm" if not doctype else "matroska"
    return format_name.split(",")[0] or "unknown"


def _rotation(stream: dict[str, Any]) -> int:
    """Clockwise display rotation (ExifTool's ``Rotation``) from the display matrix."""
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            return int(round(-float(side["rotation"]))) % 360
    rotate = (stream.get("tags") or {}).get("rotate")
    return int(rotate) % 360 if rotate and str(rotate).lstrip("-").isdigit() else 0


def _ratio(text: Any) -> Fraction:
    try:
        num, den = (int(v) for v in str(text).split(":"))
        return Fraction(num, den) if num > 0 and den > 0 else Fraction(1)
    except ValueError:
        return Fraction(1)


def _frame_rate(text: Any) -> float | None:
    try:
        num, den = (int(v) for v in str(text).split("/"))
    except ValueError:
        return None
    return round(num / den, 3) if num > 0 and den > 0 else None


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _reason(message: str, stderr: str = "") -> str:
    """A user-facing reason from an ffmpeg/ffprobe error."""
    lowered = (message + stderr).lower()
    if "moov atom not found" in lowered:
        return "the movie is cut off: its index (moov) is missing"
    if "invalid data" in lowered:
        return "not a movie ffmpeg can read (invalid data)"
    return message


def check_complete(path: Path) -> None:
    """Read every packet of the file (no decoding); raise :class:`VideoError` when the data
    is cut off or corrupt, the way a copy interrupted halfway leaves a movie."""
    args = [
        ffmpeg.FFMPEG, "-nostdin", "-v", "error", "-xerror", *ffmpeg.input_args(path),
        "-map", "0", "-c", "copy", "-f", "null", "-",
    ]  # fmt: skip
    try:
        ffmpeg.run(args, CHECK_TIMEOUT, what="ffmpeg (integrity check)")
    except ffmpeg.FFmpegError as exc:
        raise VideoError(f"the movie's data is cut off or corrupt ({exc})") from None


def poster_frame(path: Path, facts: VideoFacts, long_side: int = VIEWER_LONG_SIDE) -> Image.Image:
    """The frame about :data:`POSTER_AT` seconds in, upright, square pixels, scaled down to
    ``long_side`` inside ffmpeg (a 4K frame never reaches Python at full size)."""
    at = POSTER_AT if not facts.duration or facts.duration > 2 * POSTER_AT else facts.duration / 2
    scale = (
        "scale=trunc(iw*sar/2)*2:ih,setsar=1,"
        f"scale=w='min({long_side},iw)':h='min({long_side},ih)':force_original_aspect_ratio=decrease"
    )
    args = [
        ffmpeg.FFMPEG, "-nostdin", "-v", "error", "-threads", str(ffmpeg.CODEC_THREADS),
        "-ss", f"{at:.3f}", *ffmpeg.input_args(path), "-map", "0:v:0", "-frames:v", "1",
        "-vf", scale, "-f", "image2pipe", "-c:v", "ppm", "-",
    ]  # fmt: skip
    try:
        done = ffmpeg.run(args, POSTER_TIMEOUT, what="ffmpeg (poster frame)")
    except ffmpeg.FFmpegError as exc:
        raise VideoError(f"no frame could be decoded ({exc})") from None
    if not done.stdout:
        raise VideoError("no frame could be decoded at the poster time")
    image = Image.open(io.BytesIO(done.stdout))
    image.load()
    return image.convert("RGB")
