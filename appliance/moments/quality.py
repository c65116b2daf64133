"""The per-photo quality score (higher is better) from the measured features.

Until a library has enough of its family's own choices, the score is a hand-weighted sum of
normalised features (:data:`HAND_WEIGHTS`); afterwards a small logistic model learned from
those choices (``moments.learn``) replaces it. Both give a number between 0 and 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from appliance.moments.features import FEATURE_NAMES

# Weight of each normalised component in the hand-set score (they sum to 1).
HAND_WEIGHTS = {
    "sharp": 0.40,  # variance of the Laplacian over the whole picture
    "face_sharp": 0.15,  # ... inside the faces (the whole picture when there is none)
    "exposure": 0.25,  # no clipped highlights/shadows, mid-tone brightness
    "clean": 0.10,  # low noise
    "faces": 0.10,  # people, seen large and clearly
}
SHARP_FULL = 3.0  # log10 Laplacian variance at which sharpness counts fully (variance 1000)
NOISE_FULL = 12.0  # noise sigma (grey levels) that counts as fully noisy


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


def components(f: Mapping[str, float]) -> dict[str, float]:
    """The hand-set score's normalised components (each 0-1, higher is better)."""
    sharp = _clip(f.get("sharpness", 0.0) / SHARP_FULL)
    has_faces = f.get("face_count", 0.0) > 0
    face_sharp = _clip(f.get("face_sharpness", 0.0) / SHARP_FULL) if has_faces else sharp
    clipped = f.get("clipped_highlights", 0.0) + f.get("clipped_shadows", 0.0)
    tone = 1.0 - 2.0 * abs(f.get("brightness", 0.45) - 0.45)
    exposure = _clip(1.0 - 3.0 * clipped) * _clip(tone)
    clean = 1.0 - _clip(f.get("noise", 0.0) / NOISE_FULL)
    faces = 0.0
    if has_faces:
        faces = 0.4 + 0.3 * _clip(f.get("face_area", 0.0) * 8) + 0.3 * f.get("face_score", 0.0)
    return {
        "sharp": sharp,
        "face_sharp": face_sharp,
        "exposure": exposure,
        "clean": clean,
        "faces": _clip(faces),
    }


def hand_score(features: Mapping[str, float]) -> float:
    """The hand-weighted quality (0-1)."""
    parts = components(features)
    return round(sum(HAND_WEIGHTS[k] * v for k, v in parts.items()), 6)


def vector(features: Mapping[str, float]) -> np.ndarray:
    """The learning model's input: raw features and the hand components, in a fixed order."""
    parts = components(features)
    raw = [float(features.get(name, 0.0)) for name in FEATURE_NAMES]
    return np.array(raw + [parts[k] for k in HAND_WEIGHTS], dtype=np.float64)


@dataclass
class LearnedModel:
    """Logistic regression on standardised :func:`vector` values."""

    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float

    def score(self, features: Mapping[str, float]) -> float:
        x = (vector(features) - np.array(self.mean)) / np.array(self.scale)
        logit = float(x @ np.array(self.weights) + self.bias)
        return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit)))), 6)

    def to_json(self) -> dict:
        return {"mean": self.mean, "scale": self.scale, "weights": self.weights, "bias": self.bias}

    @classmethod
    def from_json(cls, data: Mapping) -> LearnedModel:
        return cls(
            list(data["mean"]), list(data["scale"]), list(data["weights"]), float(data["bias"])
        )


def score(features: Mapping[str, float], model: LearnedModel | None = None) -> float:
    """The photo's quality: the learned model's when there is one, else the hand-set one."""
    return model.score(features) if model is not None else hand_score(features)
