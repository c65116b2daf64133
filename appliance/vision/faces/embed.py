"""128-d identity vectors with dlib's ResNet face model, aligned by its 5-point predictor.

The model files ship in the ``face-recognition-models`` wheel. Its ``__init__`` imports
``pkg_resources`` (gone from recent setuptools), so the package is only located with
``importlib.util.find_spec`` and never imported.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import dlib
import numpy as np

SHAPE_MODEL = "shape_predictor_5_face_landmarks.dat"
RESNET_MODEL = "dlib_face_recognition_resnet_model_v1.dat"
CHIP_SIZE = 150
CHIP_PADDING = 0.25
# dlib's HOG boxes (which the 5-point predictor was trained on) share the BlazeFace box's
# centre and are 0.91 of its side (median over the corpus faces both detectors find).
DLIB_BOX_SCALE = 0.91


def dlib_model_dir() -> Path:
    """Directory holding dlib's model files from ``face-recognition-models``."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "face-recognition-models is not installed (it ships dlib's face model files)"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    for name in (SHAPE_MODEL, RESNET_MODEL):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name} is missing")
    return folder


@dataclass
class AlignedFace:
    """An aligned face: its 150x150 RGB chip and dlib's 5 landmarks in picture pixels."""

    chip: np.ndarray
    landmarks: list[tuple[float, float]]


def dlib_rectangle(box: tuple[float, float, float, float]) -> dlib.rectangle:
    """dlib rectangle (HOG convention) from an (x0, y0, x1, y1) BlazeFace box."""
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = max(x1 - x0, y1 - y0) * DLIB_BOX_SCALE / 2
    return dlib.rectangle(round(cx - half), round(cy - half), round(cx + half), round(cy + half))


class FaceEmbedder:
    """Loads dlib's predictor and ResNet once; turns a face box into an identity vector."""

    def __init__(self, model_dir: Path | None = None) -> None:
        folder = model_dir or dlib_model_dir()
        self.predictor = dlib.shape_predictor(str(folder / SHAPE_MODEL))
        self.resnet = dlib.face_recognition_model_v1(str(folder / RESNET_MODEL))

    def align(self, pixels: np.ndarray, box: tuple[float, float, float, float]) -> AlignedFace:
        """Find the 5 landmarks of the face in ``box`` (x0, y0, x1, y1) of an RGB uint8
        ``(H, W, 3)`` array and cut out the aligned 150x150 chip."""
        if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
            raise ValueError(f"align needs an RGB uint8 (H, W, 3) array, got {pixels.shape}")
        shape = self.predictor(pixels, dlib_rectangle(box))
        landmarks = [(float(p.x), float(p.y)) for p in shape.parts()]
        chip = np.asarray(dlib.get_face_chip(pixels, shape, CHIP_SIZE, CHIP_PADDING))
        return AlignedFace(chip, landmarks)

    def describe(self, chip: np.ndarray) -> np.ndarray:
        """The 128-d float32 identity vector of an aligned 150x150 chip."""
        if chip.shape != (CHIP_SIZE, CHIP_SIZE, 3) or chip.dtype != np.uint8:
            raise ValueError(f"describe needs a {CHIP_SIZE}x{CHIP_SIZE} RGB uint8 chip")
        return np.asarray(self.resnet.compute_face_descriptor(chip), dtype=np.float32)
