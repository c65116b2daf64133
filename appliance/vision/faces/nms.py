"""Weighted non-maximum suppression as MediaPipe's ``NonMaxSuppressionCalculator`` does it.

The best-scoring box absorbs every box that overlaps it by more than the threshold; the
result is the score-weighted mean of the group's boxes and keypoints with the best score.
"""

from __future__ import annotations

import numpy as np


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one ``(4,)`` box against ``(N, 4)`` boxes (x0, y0, x1, y1)."""
    ix0 = np.maximum(box[0], boxes[:, 0])
    iy0 = np.maximum(box[1], boxes[:, 1])
    ix1 = np.minimum(box[2], boxes[:, 2])
    iy1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(ix1 - ix0, 0, None) * np.clip(iy1 - iy0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def weighted_nms(
    data: np.ndarray, scores: np.ndarray, threshold: float = 0.3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge overlapping detections.

    ``data`` is ``(N, 4 + 2K)``: a box (x0, y0, x1, y1) followed by K keypoints. Returns
    ``(merged data, scores, group sizes)`` sorted by score, best first.
    """
    if data.ndim != 2 or data.shape[1] < 4 or len(data) != len(scores):
        raise ValueError(f"weighted_nms needs (N, 4+2K) data and N scores, got {data.shape}")
    order = np.argsort(-scores, kind="stable")
    data, scores = data[order], scores[order]
    remaining = np.ones(len(scores), dtype=bool)
    out_data: list[np.ndarray] = []
    out_scores: list[float] = []
    out_sizes: list[int] = []
    for i in range(len(scores)):
        if not remaining[i]:
            continue
        idx = np.flatnonzero(remaining)
        group = idx[iou(data[i, :4], data[idx, :4]) > threshold]
        group = np.union1d(group, [i])
        weights = scores[group][:, None]
        out_data.append((data[group] * weights).sum(axis=0) / weights.sum())
        out_scores.append(float(scores[i]))
        out_sizes.append(len(group))
        remaining[group] = False
    if not out_data:
        return np.zeros((0, data.shape[1]), np.float32), np.zeros(0, np.float32), np.zeros(0, int)
    return np.stack(out_data), np.asarray(out_scores, np.float32), np.asarray(out_sizes)
