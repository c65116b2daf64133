"""Print the per-file face detection table and the identity metrics on a corpus' faces.json.

.venv/bin/python scripts/face_report.py [--corpus ../shared/corpus] [--no-tiles]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from appliance.face_clusters import FaceVector, cluster_all  # noqa: E402
from appliance.vision.faces import FaceAnalyzer  # noqa: E402
from appliance.vision.faces.detect import DetectorSettings  # noqa: E402
from appliance.vision.faces.evaluate import (  # noqa: E402
    detection_summary,
    identity_report,
    label_faces,
    load_picture,
    load_truth,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--no-tiles", action="store_true", help="whole-picture pass only")
    parser.add_argument("--accelerator", default="auto", choices=["auto", "edgetpu", "cpu"])
    args = parser.parse_args(argv)
    truth = load_truth(args.corpus)
    analyzer = FaceAnalyzer(args.accelerator, settings=DetectorSettings(tiles=not args.no_tiles))
    counts, labels, clusters_in, usable, vectors = {}, [], [], [], []
    for photo, path in enumerate(sorted(truth)):
        faces = analyzer.analyze(load_picture(args.corpus / path))
        counts[path] = len(faces)
        for face, label in zip(faces, label_faces(faces, truth[path]), strict=True):
            labels.append(label)
            usable.append(face.usable)
            if face.usable:
                vectors.append(FaceVector(len(labels) - 1, photo, face.descriptor))
    summary = detection_summary(counts, truth)
    print(f"{'file':64s} found expected")
    for row in summary.rows:
        mark = "" if row.ok else "  <-- off"
        expected = f"{row.expected}" + (
            f"-{row.expected_max}" if row.expected_max != row.expected else ""
        )
        print(f"{row.path:64s} {row.found:5d} {expected:>8s}{mark}")
    print(
        f"\ndetection ({analyzer.device}): recall {summary.recall:.3f} (bar 0.90), "
        f"beyond face_count_max {summary.beyond_max:.3f} (bar 0.05), "
        f"negatives with faces: {summary.negatives_with_faces or 'none'}"
    )
    assigned = cluster_all(vectors)
    clusters_in = [assigned.get(i) for i in range(len(labels))]
    report = identity_report(labels, clusters_in, usable)
    print(
        f"identity: pairwise precision {report.precision:.3f} (bar 0.95), "
        f"recall {report.recall:.3f} (bar 0.80) over {report.same_pairs} same-person pairs; "
        f"usable faces {sum(usable)}/{len(usable)}, people {len(set(assigned.values()))}"
    )
    print(f"named people with >= 3 clear faces split: {report.split_people or 'none'}")
    print(f"clusters shared by named people: {report.shared_clusters or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
