"""One movie -> a browser-playable H.264/AAC MP4: 720p, faststart, within a CPU budget.

The budget (documented in README.md): one transcode at a time, at the lowest CPU priority
(nice 19, so imports and the web UI always come first), with :data:`THREADS` codec threads
(half of a Pi 4's cores) and the memory limit of every ffmpeg child. The hardware encoder
(``h264_v4l2m2m`` on a Pi 4) is used where it works, libx264 ``veryfast`` otherwise.
"""

from __future__ import annotations

import threading
from pathlib import Path

from appliance.media import ffmpeg

BOX = (1280, 720)  # 720p: long side <= 1280, short side <= 720, never scaled up
THREADS = 2
NICE = 19
CRF = 23
AUDIO_BITRATE = "128k"
HARDWARE_BITRATE = "4M"


def time_limit(duration: float | None) -> float:
    """Seconds a transcode may take: generous (a Pi decoding 4K HEVC in software is slow),
    but finite, so a hostile file cannot hold the queue forever."""
    return 300.0 + 30.0 * (duration or 60.0)


def command(source: Path, target: Path, encoder: str | None = None) -> list[str]:
    """The ffmpeg command line that writes ``target`` (an MP4) from ``source``."""
    long_side, short_side = BOX
    scale = (
        "scale=trunc(iw*sar/2)*2:ih,setsar=1,"
        f"scale=w='if(gte(iw,ih),min({long_side},iw),min({short_side},iw))'"
        f":h='if(gte(iw,ih),min({short_side},ih),min({long_side},ih))'"
        ":force_original_aspect_ratio=decrease:force_divisible_by=2,format=yuv420p"
    )
    if encoder == "h264_v4l2m2m":
        video = ["-c:v", "h264_v4l2m2m", "-b:v", HARDWARE_BITRATE]
    else:
        video = ["-c:v", "libx264", "-preset", "veryfast", "-crf", str(CRF), "-profile:v", "high"]
    return [
        ffmpeg.FFMPEG, "-nostdin", "-v", "error", "-y", "-threads", str(THREADS),
        *ffmpeg.input_args(source),
        "-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn", "-map_metadata", "-1",
        "-vf", scale, "-filter_threads", "1", "-threads", str(THREADS), *video,
        "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ac", "2",
        "-movflags", "+faststart", "-f", "mp4", "file:" + str(target),
    ]  # fmt: skip


def transcode(
    source: Path,
    target: Path,
    duration: float | None = None,
    cancel: threading.Event | None = None,
) -> ffmpeg.Run:
    """Write the playable MP4 of ``source`` to ``target`` atomically (a temporary name in
    the same folder, renamed when ffmpeg finished). Raises :class:`ffmpeg.FFmpegError`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".part-{target.name}")
    encoder = ffmpeg.hardware_h264_encoder()
    try:
        done = ffmpeg.run(
            command(source, partial, encoder),
            time_limit(duration),
            nice=NICE,
            what=f"ffmpeg (transcode with {encoder or 'libx264'})",
            cancel=cancel,
        )
        if partial.stat().st_size == 0:
            raise ffmpeg.FFmpegError("the transcode came out empty")
        partial.replace(target)
        return done
    finally:
        partial.unlink(missing_ok=True)
