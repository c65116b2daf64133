"""Re-running the vision stages on catalogued photos, from their cached thumbnails.

The originals are not decoded again: labels come from the grid thumbnail's centre crop,
faces from the viewer-size thumbnail (boxes scaled back to the displayed photo).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PIL import Image

from appliance.catalog import analysis, people
from appliance.config import Settings
from appliance.library import Library
from appliance.media.render import MODEL_SIDE, centre_square
from appliance.media.thumbs import ThumbnailCache
from appliance.records import FaceFound

log = logging.getLogger(__name__)
Tick = Callable[[], None]


def _open(thumbs: ThumbnailCache, sha256: str, size: str) -> Image.Image | None:
    path = thumbs.path(sha256, size)
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except OSError as exc:
        log.warning("thumbnail %s unreadable (%s); re-import the photo to rebuild it", path, exc)
        return None


def classify_photos(settings: Settings, everything: bool = False, tick: Tick | None = None) -> int:
    """Label photos not classified by the current model (all with ``everything``)."""
    import numpy as np

    from appliance.vision.classifier import Classifier

    thumbs = ThumbnailCache(Library(settings.library_root, settings.catalog_url).cache)
    todo = analysis.photos_needing_labels(everything)
    if not todo:
        return 0
    classifier = Classifier(accelerator=settings.accelerator, threads=settings.threads or None)
    done = 0
    for photo_id, sha256 in todo:
        image = _open(thumbs, sha256, "grid")
        if image is not None:
            crop = np.asarray(centre_square(image, MODEL_SIDE))
            faces = analysis.face_count(photo_id)
            analysis.store_labels(photo_id, classifier.classify(crop, faces=faces))
            done += 1
        if tick:
            tick()
    return done


def find_faces(settings: Settings, tick: Tick | None = None) -> int:
    """Look for faces in photos never searched (e.g. imported with faces off); cluster them."""
    from appliance.vision.faces import FaceAnalyzer

    thumbs = ThumbnailCache(Library(settings.library_root, settings.catalog_url).cache)
    todo = analysis.photos_needing_faces()
    if not todo:
        return 0
    analyzer = FaceAnalyzer(accelerator=settings.accelerator, threads=settings.threads or None)
    for photo_id, sha256, width in todo:
        image = _open(thumbs, sha256, "viewer")
        if image is not None:
            scale = (width or image.width) / image.width
            found = [FaceFound.scaled(f, scale) for f in analyzer.analyze(image)]
            analysis.store_faces(photo_id, found)
        if tick:
            tick()
    people.assign_new_faces()
    return len(todo)


def measure_moments(library: Library, photo_ids: list[int] | None = None) -> int:
    """Hash and quality features for photos that have none yet, from their cached grid
    thumbnails (libraries catalogued before moments existed); returns how many."""
    from appliance.catalog import stacks
    from appliance.moments.features import measure_jpeg

    cache = ThumbnailCache(library.cache)
    model = stacks.current_model()
    done = 0
    for photo in stacks.photos_to_measure(photo_ids):
        grid = cache.path(photo.primary_sha256, "grid")
        if not grid.is_file():
            continue
        size = (photo.width, photo.height) if photo.width and photo.height else None
        measured = measure_jpeg(grid.read_bytes(), stacks.face_boxes(photo.id), size)
        stacks.store_measured(photo.id, measured, model)
        done += 1
    return done
