"""How good a face is for recognising who it is: size, sharpness and detection score.

Small, blurred or doubtful faces are kept in the catalog but not used for clustering: their
identity vectors are unreliable and they are what glues two people together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class QualityRules:
    """Thresholds for a usable face (checked on the corpus: every named face passes, the
    small blurred background faces of the PASCAL group photos do not)."""

    min_size: float = 40.0  # px, shorter side of the face box in the analysed picture
    min_sharpness: float = 15.0  # variance of the Laplacian of the 150x150 grey chip
    min_score: float = 0.65


@dataclass(frozen=True)
class Quality:
    """Measured quality of one face; ``value`` in [0, 1] ranks faces (e.g. for covers)."""

    size: float
    sharpness: float
    score: float
    value: float
    usable: bool


def sharpness(chip: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian of the grey chip (higher is sharper)."""
    grey = chip.astype(np.float32).mean(axis=2) if chip.ndim == 3 else chip.astype(np.float32)
    if grey.shape[0] < 3 or grey.shape[1] < 3:
        return 0.0
    lap = grey[1:-1, 2:] + grey[1:-1, :-2] + grey[2:, 1:-1] + grey[:-2, 1:-1] - 4 * grey[1:-1, 1:-1]
    return float(lap.var())


def assess(
    size: float, chip: np.ndarray, score: float, rules: QualityRules | None = None
) -> Quality:
    """Rate a face from its box size in pixels, aligned chip and detection score."""
    rules = rules or QualityRules()
    sharp = sharpness(chip)
    size_part = float(np.clip((size - 24.0) / 96.0, 0.0, 1.0))
    sharp_part = sharp / (sharp + 50.0)
    value = float((size_part * sharp_part * max(score, 0.0)) ** (1 / 3))
    usable = size >= rules.min_size and sharp >= rules.min_sharpness and score >= rules.min_score
    return Quality(size, sharp, score, round(value, 4), usable)
