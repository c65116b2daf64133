"""SSD anchors of MediaPipe's BlazeFace detectors (``SsdAnchorsCalculator`` with fixed size).

Only the options the face models use are implemented: square inputs, aspect ratio 1.0,
``fixed_anchor_size: true`` (so every anchor is a centre; width and height are 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AnchorOptions:
    """The subset of MediaPipe's ``SsdAnchorsCalculatorOptions`` the face models use."""

    input_size: int
    strides: tuple[int, ...]
    interpolated_scale_aspect_ratio: float
    anchor_offset: float = 0.5

    @property
    def num_layers(self) -> int:
        return len(self.strides)


# face_detection_short_range_common.pbtxt: 128x128, 896 anchors
SHORT_RANGE = AnchorOptions(
    input_size=128, strides=(8, 16, 16, 16), interpolated_scale_aspect_ratio=1.0
)
# face_detection_full_range_common.pbtxt: 192x192, 2304 anchors
FULL_RANGE = AnchorOptions(input_size=192, strides=(4,), interpolated_scale_aspect_ratio=0.0)


def generate_anchors(options: AnchorOptions) -> np.ndarray:
    """Return anchor centres as an ``(N, 2)`` float32 array of (x, y) in [0, 1].

    Consecutive layers with the same stride share one feature map; each of them contributes
    one anchor per cell, plus one more when ``interpolated_scale_aspect_ratio`` is positive.
    """
    centres: list[np.ndarray] = []
    layer = 0
    while layer < options.num_layers:
        stride = options.strides[layer]
        per_cell = 0
        last = layer
        while last < options.num_layers and options.strides[last] == stride:
            per_cell += 2 if options.interpolated_scale_aspect_ratio > 0 else 1
            last += 1
        size = math.ceil(options.input_size / stride)
        grid = (np.arange(size, dtype=np.float32) + options.anchor_offset) / size
        ys, xs = np.meshgrid(grid, grid, indexing="ij")
        cells = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(cells, per_cell, axis=0))
        layer = last
    return np.concatenate(centres, axis=0).astype(np.float32)
