"""The worker side of the pipeline: admit -> read -> render -> see -> store.

Runs in a worker process on one file and returns an :class:`Analysis`; it never writes to
the catalog (it only asks whether a content is known). Each stage uses what the previous
one produced: the file is decoded once, by the render stage, and the models see its output.
"""

from __future__ import annotations

import errno
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appliance.catalog import lookup
from appliance.catalog.db import connect_readonly
from appliance.config import Settings
from appliance.errors import DISK_FULL, DISK_FULL_ERRNOS
from appliance.ingest import export_facts
from appliance.ingest.store import copy_verified
from appliance.library import Library
from appliance.media import exiftool
from appliance.media.decode import set_pixel_limit
from appliance.media.guards import limit_address_space
from appliance.media.hashing import sha256_file
from appliance.media.metadata import (
    Metadata,
    MetadataError,
    read_metadata,
    sidecar_beside,
    source_sidecar,
)
from appliance.media.render import RenderError, render, renditions_from_viewer
from appliance.media.sniff import MediaType, sniff
from appliance.media.thumbs import ThumbnailCache
from appliance.media.videocache import VideoCache
from appliance.moments.features import measure_jpeg
from appliance.records import IN_PLACE_POLICIES, Analysis, ExportFacts, FaceFound, FileTask
from appliance.vision.runtime import default_threads

log = logging.getLogger(__name__)

RENDERABLE = {"image", "raw"}


@dataclass
class WorkerState:
    """What a worker loads once: settings, catalog (read-only), thumbnail cache, models."""

    settings: Settings
    library: Library
    thumbs: ThumbnailCache
    videos: VideoCache
    classifier: Any = None
    faces: Any = None


def setup_worker(settings: Settings) -> WorkerState:
    """Load everything a worker needs once (runs in the worker process)."""
    logging.basicConfig(level=settings.log_level)
    set_pixel_limit(settings.max_pixels)
    # ExifTool gets part of the file's time budget, so a stuck read is caught (and ExifTool
    # restarted) before the pool gives up on the whole worker
    exiftool.shared().timeout = max(
        1.0, min(exiftool.DEFAULT_TIMEOUT, settings.per_file_timeout / 2)
    )
    library = Library(settings.library_root, settings.catalog_url)
    connect_readonly(library.catalog_url)
    state = WorkerState(settings, library, ThumbnailCache(library.cache), VideoCache(library.cache))
    threads = settings.threads or max(1, default_threads() // max(1, settings.workers))
    if settings.labels:
        from appliance.vision.classifier import Classifier

        state.classifier = Classifier(accelerator=settings.accelerator, threads=threads)
    if settings.faces:
        from appliance.vision.faces import FaceAnalyzer

        state.faces = FaceAnalyzer(accelerator=settings.accelerator, threads=threads)
    limit = limit_address_space()  # after the models: caps what one file may add
    log.debug("worker address space limited to %s bytes", limit)
    return state


class _Stopwatch:
    def __init__(self, timings: dict[str, float], name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.name] = (time.perf_counter() - self.start) * 1000.0


def analyze(state: WorkerState, task: FileTask) -> Analysis:
    """Run every worker stage on one file. Failures are recorded, never raised."""
    result = Analysis(task=task)
    try:
        media = _admit(state, result)
        if result.duplicate_of is None and result.error is None:
            _read(state, result, media)
            if result.kind == "video":
                renditions = _render_video(state, result)
            else:
                renditions = _render(state, result)
                if renditions is not None:
                    _find_motion(state, result)
            if renditions is not None:
                _see(state, result, renditions)
                _measure(result, renditions)
            _store(state, result)
    except (RenderError, MetadataError) as exc:
        result.error = result.error or f"{type(exc).__name__}: {exc}"
    except OSError as exc:  # locked, vanished, unreadable or disk full: try again later
        if exc.errno in DISK_FULL_ERRNOS:
            result.error = f"{DISK_FULL} ({exc.strerror})"
        else:
            result.error = f"cannot read the file: {exc.strerror or exc}"
        result.transient = True
        if result.incoming is not None:
            result.incoming.unlink(missing_ok=True)
    return result


def _admit(state: WorkerState, result: Analysis) -> MediaType:
    """Stat, sniff the type from content, hash; stop early for a stored duplicate."""
    path = result.task.path
    with _Stopwatch(result.timings, "admit"):
        stat = path.stat()
        result.size, result.mtime = stat.st_size, stat.st_mtime
        media = sniff(path)
        result.mime, result.kind = media.mime, media.kind
        mismatch = extension_mismatch(path, media)
        if mismatch:
            result.warnings.append(mismatch)
        result.sha256 = sha256_file(path)
        known = lookup.file_by_sha(result.sha256)
        if known is not None and (result.task.policy == "index" or known.stored):
            result.duplicate_of = known.file_id
        if stat.st_size == 0:
            result.error = "empty file (0 bytes)"
        elif media.kind == "unknown":
            result.error = "not a photo or video this library recognises"
    return media


EXTENSION_GROUPS = (
    {"jpg", "jpeg", "jpe", "jfif"},
    {"tif", "tiff"},
    {"heic", "heif", "hif", "heics", "heifs"},
)


def extension_mismatch(path: Path, media: MediaType) -> str | None:
    """A warning when the name's extension disagrees with the sniffed content."""
    suffix = path.suffix.lower().lstrip(".")
    if not suffix or not media.ext or media.kind == "unknown":
        return None
    accepted = next((g for g in EXTENSION_GROUPS if media.ext in g), {media.ext})
    if suffix in accepted:
        return None
    return f"the name says .{suffix} but the content is {media.mime}"


def sidecar_for(library: Library, path: Path) -> Path:
    """The XMP sidecar to read with ``path``: beside it (NAME.EXT.xmp: Shoebox in originals/,
    digiKam, darktable; or NAME.xmp: Apple Photos, Lightroom), else Shoebox's mirror tree
    for files catalogued in place."""
    beside = source_sidecar(path)
    if beside.is_file():
        return beside
    return library.mirror_sidecar(path)


def _read(state: WorkerState, result: Analysis, media: MediaType) -> None:
    with _Stopwatch(result.timings, "read"):
        try:
            path = result.task.path
            result.metadata = read_metadata(path, media, sidecar=sidecar_for(state.library, path))
            result.warnings.extend(f"metadata: {w}" for w in result.metadata.warnings)
            if result.task.facts is not None:
                _lay_over_export_facts(result.metadata, result.task.facts, result)
        except MetadataError as exc:
            result.warnings.append(f"metadata: {exc}")
        _still_there(result.task.path)


def _lay_over_export_facts(meta: Metadata, facts: ExportFacts, result: Analysis) -> None:
    """What the export kept about the file (a Takeout JSON, an iCloud CSV row) fills what
    the file lacks; it goes into the sidecar that travels with the file into the library."""
    try:
        export_facts.lay_over(meta, facts, sidecar_beside(result.task.path))
    except (exiftool.ExifToolError, OSError) as exc:
        result.warnings.append(f"export facts kept in the catalogue only: {exc}")


def _still_there(path: Path) -> None:
    """A file that vanished while it was read (a card pulled, a file moved away) is a
    transient failure, not a broken file: raise the OSError that says so."""
    if not path.exists():
        raise FileNotFoundError(errno.ENOENT, "the file disappeared while it was read", str(path))


def _render(state: WorkerState, result: Analysis) -> Any:
    """One decode -> thumbnails on disk, model input and viewer image in memory."""
    if result.kind not in RENDERABLE:
        return None
    orientation = getattr(result.metadata, "orientation", None)
    with _Stopwatch(result.timings, "render"):
        try:
            renditions = render(
                result.task.path,
                result.mime or "",
                orientation,
                with_viewer_image=state.faces is not None,
            )
        except RenderError as exc:
            _still_there(result.task.path)
            result.error = f"cannot decode: {exc}"
            return None
        state.thumbs.write(result.sha256, renditions)
        result.display_size = renditions.display_size
        result.warnings.extend(renditions.warnings)
    return renditions


def _render_video(state: WorkerState, result: Analysis) -> Any:
    """A movie: stream facts, a packet-level integrity check, the poster frame rendered to
    the same sizes as a photo. A cut or undecodable movie is an error with the reason."""
    from appliance.media import video

    with _Stopwatch(result.timings, "render"):
        try:
            facts = video.probe(result.task.path)
            video.check_complete(result.task.path)
            poster = video.poster_frame(result.task.path, facts)
        except video.VideoError as exc:
            result.error = str(exc)
            return None
        renditions = renditions_from_viewer(
            poster, facts.display_size, with_viewer_image=state.faces is not None
        )
        state.thumbs.write(result.sha256, renditions)
        result.video, result.display_size = facts, facts.display_size
    return renditions


ANIMATION_MIMES = {"image/gif", "image/webp", "image/png"}


def _find_motion(state: WorkerState, result: Analysis) -> None:
    """A Motion Photo's movie (the metadata engine says it has one) is cut out into the
    cache; an animation is noted as such. A movie that cannot be read costs a warning,
    never the still."""
    from appliance.media import video
    from appliance.media.exiftool import ExifToolError
    from appliance.media.motion import extract_motion_video

    if result.mime in ANIMATION_MIMES:
        result.motion = "animated" if _is_animated(result.task.path) else None
        return
    if not getattr(result.metadata, "motion_photo", False) or result.sha256 is None:
        return
    with _Stopwatch(result.timings, "motion"):
        target = state.videos.motion(result.sha256)
        try:
            if extract_motion_video(result.task.path, target) is None:
                result.warnings.append("motion photo: no embedded movie was found")
                return
            result.video = video.probe(target)
        except (OSError, ExifToolError, video.VideoError) as exc:
            target.unlink(missing_ok=True)
            result.warnings.append(f"motion photo: its movie cannot be read ({exc})")
            return
        result.motion = "motion"


def _is_animated(path: Path) -> bool:
    from PIL import Image

    try:
        with Image.open(path) as image:
            return bool(getattr(image, "is_animated", False))
    except Exception:  # noqa: BLE001 - the still was decoded already; this is only a flag
        return False


def _see(state: WorkerState, result: Analysis, renditions: Any) -> None:
    """Faces from the viewer image (boxes scaled to full size), then labels from the 224 px
    input, told how many faces there are (portrait rules)."""
    if state.faces is not None and renditions.viewer_image is not None:
        with _Stopwatch(result.timings, "faces"):
            image = renditions.viewer_image
            scale = renditions.display_size[0] / image.width
            result.faces = [FaceFound.scaled(face, scale) for face in state.faces.analyze(image)]
    if state.classifier is not None:
        with _Stopwatch(result.timings, "labels"):
            faces = len(result.faces or ())
            result.labels = state.classifier.classify(renditions.model_input, faces=faces)


def _measure(result: Analysis, renditions: Any) -> None:
    """Perceptual hash and quality features from the grid thumbnail just made (moments)."""
    with _Stopwatch(result.timings, "moments"):
        faces = [(face.box, face.score) for face in result.faces or ()]
        result.moments = measure_jpeg(renditions.grid_jpeg, faces, renditions.display_size)


def _store(state: WorkerState, result: Analysis) -> None:
    """For copy/move policies: a verified copy waiting in originals/.incoming."""
    if result.task.policy in IN_PLACE_POLICIES or result.error is not None:
        return
    if result.sha256 is None:
        return
    with _Stopwatch(result.timings, "store"):
        result.incoming = copy_verified(result.task.path, state.library.incoming, result.sha256)
