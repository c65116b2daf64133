"""Face benchmark: ms per photo for detection, ms per face for descriptors, photos/s with faces.

Baselines measured in the same run: the whole-picture pass alone (no tiles, no context) and
dlib's HOG detector on the same pictures. Clustering cost per new face against a large
synthetic library is printed too.

    .venv/bin/python bench/bench_faces.py [--corpus ../shared/corpus] [--threads N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import dlib  # noqa: E402

from appliance.face_clusters import Clusterer, FaceVector  # noqa: E402
from appliance.vision.faces import FaceAnalyzer  # noqa: E402
from appliance.vision.faces.detect import DetectorSettings, FaceDetector  # noqa: E402
from appliance.vision.faces.evaluate import load_picture, load_truth  # noqa: E402


def timed(fn, items) -> tuple[float, list]:
    start = time.perf_counter()
    out = [fn(item) for item in items]
    return time.perf_counter() - start, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--library", type=int, default=20000, help="synthetic faces")
    args = parser.parse_args(argv)
    paths = sorted(load_truth(args.corpus))
    pictures = [load_picture(args.corpus / p) for p in paths]
    print(f"{len(pictures)} pictures (faces.json), long side <= 1600 px")

    full = FaceDetector("auto", args.threads)
    plain = FaceDetector("auto", args.threads, DetectorSettings(tiles=False, context_scale=0))
    hog = dlib.get_frontal_face_detector()
    for det in (full, plain):
        det.detect(pictures[0])
    t_full, found = timed(full.detect, pictures)
    t_plain, _ = timed(plain.detect, pictures)
    t_hog, _ = timed(lambda im: hog(np.asarray(im), 1), pictures)
    n = len(pictures)
    print(f"detection ms/photo: blazeface multi-pass {1000 * t_full / n:.1f} ({full.device})")
    print(f"  baseline: blazeface whole picture only {1000 * t_plain / n:.1f}")
    print(f"  baseline: dlib HOG (upsample 1) {1000 * t_hog / n:.1f}")

    analyzer = FaceAnalyzer("auto", args.threads)
    pixels = [(np.asarray(im), dets) for im, dets in zip(pictures, found, strict=True)]
    aligned = []
    start = time.perf_counter()
    for array, dets in pixels:
        aligned += [analyzer.embedder.align(array, tuple(d.box)) for d in dets]
    t_align = time.perf_counter() - start
    t_desc, _ = timed(lambda a: analyzer.embedder.describe(a.chip), aligned)
    print(
        f"descriptor ms/face: align {1000 * t_align / len(aligned):.1f} + "
        f"resnet {1000 * t_desc / len(aligned):.1f} over {len(aligned)} faces"
    )

    start = time.perf_counter()
    faces = sum(len(analyzer.analyze(load_picture(args.corpus / p))) for p in paths)
    t_all = time.perf_counter() - start
    print(f"pipeline with faces (decode+detect+describe): {n / t_all:.2f} photos/s, {faces} faces")

    rng = np.random.default_rng(0)
    clusterer = Clusterer()
    centres = rng.normal(size=(args.library // 20, 128)).astype(np.float32)
    for i in range(args.library):
        vec = centres[i % len(centres)] * 0.05 + rng.normal(size=128).astype(np.float32) * 0.02
        clusterer.add_member(FaceVector(i, i, vec), i % len(centres) + 1)
    probes = [
        FaceVector(10**9 + k, 10**9 + k, rng.normal(size=128).astype(np.float32)) for k in range(50)
    ]
    t_cl, _ = timed(clusterer.add, probes)
    print(f"clustering ms/new face against {args.library} faces: {1000 * t_cl / len(probes):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
