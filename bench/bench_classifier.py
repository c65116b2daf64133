"""Benchmark the classifier: ms per image, float32 vs int8, per runtime and thread count.

    .venv/bin/python bench/bench_classifier.py [--tflite-python /tmp/tflitevenv/bin/python]

The baseline, measured in the same run, is the float32 model on ai-edge-litert with one
thread; every row also prints its speed relative to it. ``--tflite-python`` names a Python
that has ``tflite-runtime`` 2.14 (it needs numpy<2, so it lives in its own throwaway venv,
never in the appliance's): the same measurement is repeated there in a child process.
A last line gives photos/s of decode + centre crop + int8 classification + label rules on
the corpus' classification subjects (the classification stage as the pipeline runs it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
MODELS = {
    "float32": REPO / "models" / "efficientnet_lite0_float32.tflite",
    "int8": REPO / "models" / "efficientnet_lite0_int8.tflite",
}


def interpreter_class(runtime: str):  # noqa: ANN201 - the runtime's Interpreter class
    if runtime == "ai-edge-litert":
        from ai_edge_litert.interpreter import Interpreter
    else:
        from tflite_runtime.interpreter import Interpreter  # type: ignore[import-not-found]
    return Interpreter


def time_model(runtime: str, path: Path, threads: int, images: list[np.ndarray], rounds: int):
    """Median ms per image over ``rounds`` passes (after one warm-up pass)."""
    interp = interpreter_class(runtime)(model_path=str(path), num_threads=threads)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    if inp["dtype"] == np.float32:
        batches = [img[None].astype(np.float32) for img in images]
    else:
        scale, zero = inp["quantization"]
        batches = [np.round(img[None] / scale + zero).clip(-128, 127).astype(inp["dtype"])
                   for img in images]  # fmt: skip
    samples = []
    for r in range(rounds + 1):
        start = time.perf_counter()
        for batch in batches:
            interp.set_tensor(inp["index"], batch)
            interp.invoke()
        if r:
            samples.append((time.perf_counter() - start) * 1000 / len(batches))
    return statistics.median(samples)


def corpus_dir() -> Path:
    """$SHOEBOX_CORPUS, else ../shared/corpus beside the repo."""
    return Path(os.environ.get("SHOEBOX_CORPUS") or REPO.parent / "shared" / "corpus")


def test_images(count: int) -> list[np.ndarray]:
    """224x224 RGB crops of corpus photos when the corpus is found, else noise."""
    folder = corpus_dir() / "misc"
    paths = sorted(folder.glob("*/*.jpg"))[:count] if folder.is_dir() else []
    images = []
    try:
        from PIL import Image

        for path in paths:
            with Image.open(path) as im:
                im = im.convert("RGB")
                side = min(im.size)
                im = im.crop((0, 0, side, side)).resize((224, 224))
                images.append(np.asarray(im, dtype=np.uint8))
    except ImportError:
        pass
    rng = np.random.default_rng(0)
    while len(images) < count:
        images.append(rng.integers(0, 256, (224, 224, 3), dtype=np.uint8))
    return images


def measure(runtime: str, rounds: int, count: int) -> list[dict]:
    images = test_images(count)
    rows = []
    for name, path in MODELS.items():
        for threads in (1, 2):
            ms = time_model(runtime, path, threads, images, rounds)
            rows.append({"runtime": runtime, "model": name, "threads": threads, "ms": ms})
    return rows


def pipeline_rate(corpus: Path) -> tuple[float, int]:
    """Photos/s of decode + crop + int8 classify + rules over the corpus subjects."""
    from PIL import Image, ImageOps

    sys.path.insert(0, str(REPO))
    from appliance.vision.classifier import Classifier

    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except ImportError:
        pass
    records = json.loads((corpus / "sources.json").read_text())["files"]
    paths = [corpus / r["path"] for r in records if r.get("content")]
    classifier = Classifier(accelerator="auto")
    done = 0
    start = time.perf_counter()
    for path in paths:
        try:
            with Image.open(path) as im:
                im.draft("RGB", (448, 448))  # JPEG: decode at reduced size when possible
                im = ImageOps.exif_transpose(im).convert("RGB")
        except OSError:
            continue
        w, h = im.size
        side = min(w, h)
        box = ((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side)
        classifier.classify(np.asarray(im.crop(box).resize((224, 224)), dtype=np.uint8))
        done += 1
    return done / (time.perf_counter() - start), done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tflite-python", help="a Python with tflite-runtime 2.14 installed")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--images", type=int, default=10)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.rounds, args.images)))
        return 0

    rows = measure("ai-edge-litert", args.rounds, args.images)
    if args.tflite_python:
        cmd = [args.tflite_python, __file__, "--child", "tflite-runtime",
               "--rounds", str(args.rounds), "--images", str(args.images)]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        rows += json.loads(out.strip().splitlines()[-1])
    else:
        print("(tflite-runtime not measured: pass --tflite-python)")
    base = next(r["ms"] for r in rows if r["runtime"] == "ai-edge-litert"
                and r["model"] == "float32" and r["threads"] == 1)  # fmt: skip
    print(f"{'runtime':16} {'model':8} {'threads':>7} {'ms/image':>9} {'vs baseline':>12}")
    for r in rows:
        print(f"{r['runtime']:16} {r['model']:8} {r['threads']:>7} {r['ms']:9.2f} "
              f"{base / r['ms']:11.2f}x")  # fmt: skip
    print(f"baseline: float32 on ai-edge-litert, 1 thread = {base:.2f} ms/image")
    corpus = corpus_dir()
    if (corpus / "sources.json").is_file():
        rate, n = pipeline_rate(corpus)
        print(f"decode + crop + int8 classify + rules: {rate:.1f} photos/s over {n} corpus photos")
    return 0


if __name__ == "__main__":
    sys.exit(main())
