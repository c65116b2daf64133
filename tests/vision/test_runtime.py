"""The tflite runtime layer: Edge TPU fallback with a real load_delegate failure, doctor info."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from appliance.vision import runtime
from appliance.vision.classifier import Classifier, model_paths

REPO = Path(__file__).resolve().parents[2]
FALLBACK_LINE = "no Edge TPU found, classifying on the CPU"

edgetpu_present = runtime.edgetpu_status()[0]
needs_no_edgetpu = pytest.mark.skipif(edgetpu_present, reason="an Edge TPU is attached here")

STARTUP = """
import logging, sys, numpy as np
from PIL import Image
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
from appliance.vision.classifier import Classifier
first, second = Classifier(accelerator="auto"), Classifier(accelerator="auto", variant="float")
crop = Image.open(sys.argv[1]).convert("RGB").crop((75, 0, 375, 300))  # chelsea.jpg 451x300
image = np.asarray(crop.resize((224, 224)))
print("DEVICES", first.device, second.device)
print("LABELS", [label.name for label in first.classify(image)])
"""


@needs_no_edgetpu
def test_auto_falls_back_to_cpu_with_one_log_line(corpus: Path) -> None:
    """A fresh process, as at start-up: the real libedgetpu load fails, logged once, CPU works."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", STARTUP, str(corpus / "misc/skimage/chelsea.jpg")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if FALLBACK_LINE in line]
    assert len(lines) == 1, done.stderr
    assert "libedgetpu.so.1" in lines[0]  # the reason comes from the real dlopen failure
    assert "Exception ignored" not in done.stderr
    assert "DEVICES cpu cpu" in done.stdout
    assert "LABELS ['cat']" in done.stdout  # labels still appear


@needs_no_edgetpu
def test_load_delegate_really_fails_here() -> None:
    with pytest.raises((OSError, ValueError, AttributeError)):
        runtime.load_edgetpu_delegate()


@needs_no_edgetpu
def test_edgetpu_required_but_absent_is_a_clear_error() -> None:
    with pytest.raises(runtime.AcceleratorUnavailable, match="Edge TPU requested but unavailable"):
        Classifier(accelerator="edgetpu")


def test_cpu_setting_never_touches_the_delegate_and_classifies() -> None:
    classifier = Classifier(accelerator="cpu", threads=1)
    assert classifier.device == "cpu"
    assert classifier.model.runtime == runtime.runtime_name()
    probs = classifier.probabilities(np.full((224, 224, 3), 128, np.uint8))
    assert probs.shape == (1000,) and abs(probs.sum() - 1) < 1e-6


def test_bad_settings_raise(tmp_path: Path) -> None:
    cpu, _ = model_paths("int8")
    with pytest.raises(ValueError, match="accelerator"):
        runtime.load_model(cpu, accelerator="gpu")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="threads"):
        runtime.load_model(cpu, accelerator="cpu", threads=-1)
    with pytest.raises(FileNotFoundError):
        runtime.load_model(tmp_path / "none.tflite", accelerator="cpu")
    broken = tmp_path / "broken.tflite"
    broken.write_bytes(b"not a flatbuffer")
    with pytest.raises(ValueError):
        runtime.load_model(broken, accelerator="cpu")


def test_describe_vision_reports_runtime_accelerator_and_models() -> None:
    cpu, twin = model_paths("int8")
    report = runtime.describe_vision({"classifier": (cpu, twin)}, accelerator="auto", threads=2)
    assert report["runtime"] in ("ai-edge-litert", "tflite-runtime")
    assert report["runtime_version"][0].isdigit()
    assert report["threads"] == 2
    entry = report["models"]["classifier"]
    assert entry["device"] == ("edgetpu" if report["edgetpu_available"] else "cpu")
    if not report["edgetpu_available"]:
        assert "libedgetpu" in report["edgetpu_reason"]
        assert entry["path"] == str(cpu)
        assert entry["sha256"] == runtime.sha256_file(cpu) and len(entry["sha256"]) == 64
    off = runtime.describe_vision({"classifier": (cpu, twin)}, accelerator="cpu")
    assert off["edgetpu_available"] is False  # the one answer doctor and the pages share:
    assert off["edgetpu_reason"] == off["accelerator"] == "CPU (the accelerator setting is cpu)"
    missing = runtime.describe_vision({"x": (Path("/nonexistent.tflite"), None)})
    assert missing["models"]["x"]["error"] == "file missing"


def test_default_threads_is_the_usable_cores() -> None:
    assert runtime.default_threads() == len(os.sched_getaffinity(0))
