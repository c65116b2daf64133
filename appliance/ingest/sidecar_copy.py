"""An imported photo's XMP sidecar travels with it into originals/.

darktable and digiKam keep ``NAME.EXT.xmp`` beside the photo (darktable's edit history
lives there), Apple Photos and Lightroom ``NAME.xmp``; on import it is copied beside the
library's copy as ``NAME.EXT.xmp``, before Shoebox writes its
own decisions into it (an update in place keeps every foreign tag). With ``--move`` the
source's sidecar goes once the photo itself is gone.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
from pathlib import Path

from appliance.media.metadata import sidecar_beside, source_sidecar

log = logging.getLogger(__name__)


def carry_sidecar(source: Path, destination: Path) -> Path | None:
    """Copy ``source``'s sidecar beside ``destination`` (unless one is there already)."""
    side, target = source_sidecar(source), sidecar_beside(destination)
    if not side.is_file() or target.exists():
        return None
    tmp = target.with_name(f".{target.name}.part")
    try:
        shutil.copy2(side, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        log.warning("sidecar %s not copied into the library: %s", side, exc)
        return None
    return target


def drop_moved_sidecar(source: Path) -> None:
    """After a move import removed ``source``: remove its sidecar too (it was copied)."""
    if source.exists():
        return
    side = source_sidecar(source)
    if side != sidecar_beside(source) and any(
        other.stem == source.stem and other != side
        for other in source.parent.glob(glob.escape(source.stem) + ".*")
    ):
        return  # NAME.xmp is shared with another file of that name still there (RAW+JPEG)
    try:
        side.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not remove the sidecar of %s: %s", source, exc)
