"""Face detection on the real corpus: anchors, NMS, per-file counts, tiles, analyzer output."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from PIL import Image

from appliance.vision.faces import FaceAnalyzer, FaceResult
from appliance.vision.faces.anchors import FULL_RANGE, SHORT_RANGE, generate_anchors
from appliance.vision.faces.detect import DetectorSettings, FaceDetector
from appliance.vision.faces.evaluate import detection_summary, load_picture, load_truth
from appliance.vision.faces.nms import weighted_nms


@pytest.fixture(scope="module")
def truth(corpus):
    return load_truth(corpus)


@pytest.fixture(scope="module")
def detector():
    return FaceDetector(accelerator="cpu")


def count_faces(detector, corpus, truth) -> dict[str, int]:
    return {path: len(detector.detect(load_picture(corpus / path))) for path in truth}


def test_anchor_counts_match_the_models():
    short, full = generate_anchors(SHORT_RANGE), generate_anchors(FULL_RANGE)
    assert short.shape == (896, 2) and full.shape == (2304, 2)
    assert np.allclose(full[0], [0.5 / 48, 0.5 / 48]) and np.allclose(full[-1], [47.5 / 48] * 2)
    assert np.allclose(short[512], [1 / 16, 1 / 16])  # first anchor of the 8x8 layers


def test_weighted_nms_merges_overlaps_and_keeps_apart():
    data = np.array(
        [[0, 0, 10, 10, 5, 5], [1, 1, 11, 11, 6, 6], [50, 50, 60, 60, 55, 55]], np.float32
    )
    merged, scores, votes = weighted_nms(data, np.array([0.9, 0.9, 0.8], np.float32))
    assert len(merged) == 2 and list(votes) == [2, 1]
    assert np.allclose(merged[0], [0.5, 0.5, 10.5, 10.5, 5.5, 5.5])
    with pytest.raises(ValueError):
        weighted_nms(data[:, :3], np.ones(3, np.float32))


def test_corpus_detection_meets_the_bars(detector, corpus, truth):
    summary = detection_summary(count_faces(detector, corpus, truth), truth)
    for row in summary.rows:
        mark = "" if row.ok else "  <-- off"
        print(
            f"{row.path:62s} found {row.found:2d} expected {row.expected}-{row.expected_max}{mark}"
        )
    print(f"recall {summary.recall:.3f}, beyond max {summary.beyond_max:.3f}")
    assert summary.recall >= 0.90
    assert summary.beyond_max <= 0.05
    assert summary.negatives_with_faces == []


def test_tiles_find_small_faces_in_group_photos(corpus, truth):
    groups = {p: r for p, r in truth.items() if r["face_count"] >= 3}
    with_tiles = FaceDetector(accelerator="cpu")
    without = FaceDetector(accelerator="cpu", settings=DetectorSettings(tiles=False))
    before = detection_summary(count_faces(without, corpus, groups), groups).recall
    after = detection_summary(count_faces(with_tiles, corpus, groups), groups).recall
    print(f"group photos recall: whole picture only {before:.3f}, with tiles {after:.3f}")
    assert after > before and after >= 0.95


def test_face_filling_the_picture_is_found(detector, corpus):
    crop = load_picture(corpus / "faces/dlib/johns/John_Simm/000288_00470387.jpg")
    assert crop.size == (150, 150)
    assert len(detector.detect(crop)) == 1
    no_context = FaceDetector(accelerator="cpu", settings=DetectorSettings(context_scale=0))
    assert no_context.detect(crop) == []


def test_analyzer_results(corpus):
    analyzer = FaceAnalyzer(accelerator="cpu")
    picture = load_picture(corpus / "faces/face_recognition/two_people.jpg")
    faces = analyzer.analyze(picture)
    assert len(faces) == 2 and all(isinstance(f, FaceResult) for f in faces)
    for face in faces:
        x, y, w, h = face.box
        assert x >= 0 and y >= 0 and x + w <= picture.width and y + h <= picture.height
        assert 60 < w < 400 and 0.5 < face.score <= 1 and len(face.keypoints) == 6
        assert face.usable and face.descriptor.shape == (128,)
        assert face.descriptor.dtype == np.float32
    copy = pickle.loads(pickle.dumps(faces))
    assert np.array_equal(copy[0].descriptor, faces[0].descriptor)
    assert analyzer.analyze(Image.new("RGB", (4, 4))) == []
    assert analyzer.analyze(Image.new("RGB", (640, 480), (128, 128, 128))) == []
    with pytest.raises(ValueError, match="RGB"):
        analyzer.analyze(picture.convert("L"))
    with pytest.raises(TypeError):
        analyzer.analyze(np.zeros((10, 10, 3), np.uint8))


def test_small_blurred_faces_are_kept_but_not_usable(corpus):
    analyzer = FaceAnalyzer(accelerator="cpu")
    faces = analyzer.analyze(load_picture(corpus / "faces/dlib/2008_002079.jpg"))
    assert len(faces) >= 6
    unusable = [f for f in faces if not f.usable]
    assert unusable and all(f.descriptor is None for f in unusable)
