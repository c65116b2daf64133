"""Faces: BlazeFace detection on tflite, dlib identity vectors, incremental clustering.

``FaceAnalyzer`` is what the pipeline calls: one RGB, already-oriented picture in, a list of
picklable :class:`FaceResult` out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from appliance.vision.faces.detect import DetectorSettings, FaceDetector, detector_paths
from appliance.vision.faces.embed import FaceEmbedder
from appliance.vision.faces.quality import QualityRules, assess
from appliance.vision.runtime import Accelerator

__all__ = ["FaceAnalyzer", "FaceResult", "detector_paths"]


@dataclass
class FaceResult:
    """One face in the analysed picture (pixels of that picture)."""

    box: tuple[float, float, float, float]  # x, y, w, h, clipped to the picture
    score: float
    keypoints: list[tuple[float, float]]  # BlazeFace: eyes, nose tip, mouth, ear tragions
    quality: float
    usable: bool  # big, sharp and certain enough for clustering
    descriptor: np.ndarray | None = None  # 128 float32 when usable


class FaceAnalyzer:
    """Loads the detector and dlib's models once; finds and describes the faces of a photo."""

    def __init__(
        self,
        accelerator: Accelerator = "auto",
        threads: int | None = None,
        settings: DetectorSettings | None = None,
        rules: QualityRules | None = None,
    ) -> None:
        self.detector = FaceDetector(accelerator, threads, settings)
        self.embedder = FaceEmbedder()
        self.rules = rules or QualityRules()

    @property
    def device(self) -> str:
        """Where detection runs: "edgetpu" or "cpu"."""
        return self.detector.device

    def analyze(self, image: Image.Image) -> list[FaceResult]:
        """Faces of an RGB, already-oriented picture, best detection first."""
        if not isinstance(image, Image.Image):
            raise TypeError(f"analyze needs a PIL image, got {type(image).__name__}")
        if image.mode != "RGB":
            raise ValueError(f"analyze needs an RGB image, got mode {image.mode}")
        detections = self.detector.detect(image)
        if not detections:
            return []
        pixels = np.asarray(image)
        results = []
        for det in detections:
            x0, y0, x1, y1 = (float(v) for v in det.box)
            aligned = self.embedder.align(pixels, (x0, y0, x1, y1))
            quality = assess(min(x1 - x0, y1 - y0), aligned.chip, det.score, self.rules)
            descriptor = self.embedder.describe(aligned.chip) if quality.usable else None
            cx0, cy0 = max(x0, 0.0), max(y0, 0.0)
            cx1, cy1 = min(x1, float(image.width)), min(y1, float(image.height))
            results.append(
                FaceResult(
                    box=(cx0, cy0, cx1 - cx0, cy1 - cy0),
                    score=round(det.score, 4),
                    keypoints=[(float(x), float(y)) for x, y in det.keypoints],
                    quality=quality.value,
                    usable=quality.usable,
                    descriptor=descriptor,
                )
            )
        return results
