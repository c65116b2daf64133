"""Identity on the real corpus: dlib descriptors clustered into people, pairwise metrics."""

from __future__ import annotations

import random

import numpy as np
import pytest

from appliance.face_clusters import Clusterer, FaceVector, cluster_all
from appliance.vision.faces import FaceAnalyzer
from appliance.vision.faces.evaluate import identity_report, label_faces, load_picture, load_truth


@pytest.fixture(scope="module")
def corpus_faces(corpus):
    """(face id, photo index, FaceResult, label) for every face found in faces.json files."""
    truth = load_truth(corpus)
    analyzer = FaceAnalyzer(accelerator="cpu")
    rows = []
    for photo, (path, record) in enumerate(sorted(truth.items())):
        faces = analyzer.analyze(load_picture(corpus / path))
        for face, label in zip(faces, label_faces(faces, record), strict=True):
            rows.append((len(rows), photo, face, label))
    return rows


def run(rows, order):
    vectors = [FaceVector(rows[i][0], rows[i][1], rows[i][2].descriptor) for i in order]
    result = cluster_all([v for v, i in zip(vectors, order, strict=True) if rows[i][2].usable])
    clusters = [result.get(r[0]) for r in rows]
    return identity_report([r[3] for r in rows], clusters, [r[2].usable for r in rows]), clusters


@pytest.mark.parametrize("seed", [None, 7, 99])
def test_named_people_cluster_cleanly(corpus_faces, seed):
    order = [i for i, r in enumerate(corpus_faces) if r[2].usable]
    if seed is not None:
        random.Random(seed).shuffle(order)
    report, _ = run(corpus_faces, order)
    print(f"seed {seed}: {report}")
    assert report.same_pairs >= 150
    assert report.precision >= 0.95
    assert report.recall >= 0.80
    assert report.split_people == {}
    assert report.shared_clusters == {}


def test_faces_of_one_photo_never_share_a_person(corpus_faces):
    order = [i for i, r in enumerate(corpus_faces) if r[2].usable]
    _, clusters = run(corpus_faces, order)
    seen = set()
    for (_, photo, _, _), cluster in zip(corpus_faces, clusters, strict=True):
        if cluster is not None:
            assert (photo, cluster) not in seen
            seen.add((photo, cluster))


def test_descriptors_separate_people(corpus_faces):
    named = [(r[3], r[2].descriptor) for r in corpus_faces if r[3] and r[2].usable]
    same, other = [], []
    for i, (a, va) in enumerate(named):
        for b, vb in named[i + 1 :]:
            (same if a == b else other).append(float(np.linalg.norm(va - vb)))
    print(f"same person: max {max(same):.3f}; different: min {min(other):.3f}")
    assert np.median(same) < 0.45 < np.percentile(other, 1)


def test_cannot_link_and_rejection():
    rng = np.random.default_rng(1)
    base = rng.normal(size=128).astype(np.float32)
    base /= np.linalg.norm(base) * 2
    clusterer = Clusterer()
    assert clusterer.add(FaceVector(1, 10, base)) == []
    founded = clusterer.add(FaceVector(2, 11, base + 0.001))
    assert {a.face for a in founded} == {1, 2}
    person = founded[0].person
    assert clusterer.add(FaceVector(3, 10, base)) == []  # photo 10 already has this person
    refused = clusterer.add(FaceVector(4, 12, base, frozenset({person})))  # user removed it
    assert person not in {a.person for a in refused}
    joined = clusterer.add(FaceVector(5, 13, base))
    assert len(joined) == 1 and joined[0].person in {person} | {a.person for a in refused}
    with pytest.raises(ValueError, match="128"):
        clusterer.add(FaceVector(6, 14, np.zeros(3, np.float32)))
    with pytest.raises(ValueError, match="finite"):
        clusterer.add(FaceVector(7, 15, np.full(128, np.nan, np.float32)))


def test_chains_do_not_glue_people():
    """A chain of faces each 0.35 from the next (ends 1.4 apart) must not become one person."""
    rng = np.random.default_rng(3)
    direction = rng.normal(size=128).astype(np.float32)
    direction /= np.linalg.norm(direction)
    faces = [FaceVector(i, i, direction * 0.35 * i) for i in range(5)]
    result = cluster_all(faces)
    people = {}
    for face, person in result.items():
        people.setdefault(person, []).append(face)
    assert all(max(m) - min(m) <= 2 for m in people.values())
