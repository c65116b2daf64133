"""The video inside a motion photo (Samsung, Google), extracted through ExifTool."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from appliance.media import exiftool
from appliance.media.metadata import read_metadata

# ExifTool's names for an embedded video: the HEIC ``mpvd`` box or a JPEG trailer
# (Samsung, Google Motion Photo), in the order tried.
VIDEO_TAGS = ("MotionPhotoVideo", "EmbeddedVideoFile")


def extract_motion_video(path: Path, dest: Path, timeout: float | None = None) -> Path | None:
    """Write the motion photo's embedded video to ``dest``; None when it has none.

    The original is only read. ``dest`` appears complete or not at all (temp + rename).
    Where ExifTool names no video tag but the XMP gives its byte range (Google
    ``MicroVideoOffset`` / Container directory), that range of the file is copied.
    """
    engine = exiftool.shared()
    data = b""
    for tag in VIDEO_TAGS:
        data, _ = engine.execute_bytes("-b", f"-{tag}", str(path.absolute()), timeout=timeout)
        if data:
            break
    if not data:
        meta = read_metadata(path)
        if not (meta.motion_photo and meta.motion_photo_offset and meta.motion_photo_length):
            return None
        with open(path, "rb") as fh:
            fh.seek(meta.motion_photo_offset)
            data = fh.read(meta.motion_photo_length)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".motion-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest
