"""One place that creates TensorFlow Lite interpreters, on a Coral Edge TPU or the CPU.

The runtime is `ai-edge-litert` when installed, else `tflite-runtime`. The Edge TPU is
loaded the way pycoral does it: ``load_delegate("libedgetpu.so.1")``; when that raises
(no library, no device, an incompatible runtime), the CPU model is used instead.
Stuck inferences are handled one level up: models run inside the ingest worker processes,
which `appliance.ingest.workers.WorkerPool` kills and restarts past the per-file limit.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

log = logging.getLogger(__name__)

Accelerator = Literal["auto", "edgetpu", "cpu"]
EDGETPU_LIBRARY = "libedgetpu.so.1"
_DELEGATE_ERRORS = (OSError, ValueError, AttributeError, RuntimeError)


class AcceleratorUnavailable(RuntimeError):
    """The Edge TPU was required explicitly but could not be used."""


def _import_runtime() -> tuple[str, Any]:
    """Return (runtime name, interpreter module): ai-edge-litert first, tflite-runtime next."""
    try:
        from ai_edge_litert import interpreter as module

        return "ai-edge-litert", module
    except ImportError:
        pass
    try:
        from tflite_runtime import interpreter as module  # type: ignore[import-not-found]

        return "tflite-runtime", module
    except ImportError as exc:
        raise ImportError(
            "no TensorFlow Lite runtime: install ai-edge-litert (or tflite-runtime 2.14)"
        ) from exc


def runtime_name() -> str:
    """Name of the tflite runtime that would be used."""
    return _import_runtime()[0]


def default_threads() -> int:
    """Interpreter threads by default: every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class LoadedModel:
    """An allocated interpreter and where it runs."""

    interpreter: Any
    device: Literal["edgetpu", "cpu"]
    path: Path
    runtime: str

    @property
    def input_details(self) -> list[dict[str, Any]]:
        return self.interpreter.get_input_details()

    @property
    def output_details(self) -> list[dict[str, Any]]:
        return self.interpreter.get_output_details()


_fallback_logged: set[str] = set()


def load_edgetpu_delegate(device: str | None = None) -> Any:
    """Load the Edge TPU delegate; raises one of OSError/ValueError/AttributeError if absent."""
    _, module = _import_runtime()
    _quiet_broken_delegate_finalizer()
    options = {"device": device} if device else {}
    return module.load_delegate(EDGETPU_LIBRARY, options)


def _quiet_broken_delegate_finalizer() -> None:
    """Drop the one known-harmless "Exception ignored in Delegate.__del__" traceback.

    When the delegate library is missing, the runtime's ``Delegate.__init__`` raises before
    setting ``_library`` and its ``__del__`` then fails with AttributeError on stderr. All
    other unraisable exceptions still reach the previous hook.
    """
    previous = sys.unraisablehook
    if getattr(previous, "_shoebox_filter", False):
        return

    def hook(info: Any) -> None:
        owner = getattr(info.object, "__qualname__", "")
        if owner == "Delegate.__del__" and isinstance(info.exc_value, AttributeError):
            return
        previous(info)

    hook._shoebox_filter = True  # type: ignore[attr-defined]
    sys.unraisablehook = hook


def load_model(
    cpu_model: Path,
    edgetpu_model: Path | None = None,
    accelerator: Accelerator = "auto",
    threads: int | None = None,
    device: str | None = None,
) -> LoadedModel:
    """Create an allocated interpreter for a model.

    With ``accelerator`` "auto" or "edgetpu" and an Edge TPU twin on disk, the Edge TPU
    delegate is tried first (see :func:`open_on_edgetpu`). "auto" falls back to the CPU
    model with one log line; "edgetpu" raises :class:`AcceleratorUnavailable` instead,
    except when another process of this service owns the device: then the CPU is used.
    """
    name, module = _import_runtime()
    threads = threads or default_threads()
    if threads < 1:
        raise ValueError(f"threads must be at least 1, not {threads}")
    if accelerator not in ("auto", "edgetpu", "cpu"):
        raise ValueError(f"accelerator must be auto, edgetpu or cpu, not {accelerator!r}")
    if accelerator != "cpu":
        loaded, reason = open_on_edgetpu(edgetpu_model, device)
        if loaded is not None:
            return loaded
        if accelerator == "edgetpu" and not reason.startswith(OWNED_ELSEWHERE):
            raise AcceleratorUnavailable(f"Edge TPU requested but unavailable ({reason})")
        if reason.startswith((NO_EDGETPU_MODEL, OWNED_ELSEWHERE)):  # expected, not a fault
            log.debug("%s runs on the CPU (%s)", Path(cpu_model).name, reason)
        elif reason not in _fallback_logged:
            _fallback_logged.add(reason)
            log.warning("no Edge TPU found, classifying on the CPU (%s)", reason)
    if not Path(cpu_model).is_file():
        raise FileNotFoundError(f"model file not found: {cpu_model}")
    interpreter = module.Interpreter(model_path=str(cpu_model), num_threads=threads)
    interpreter.allocate_tensors()
    return LoadedModel(interpreter, "cpu", Path(cpu_model), name)


OWNED_ELSEWHERE = "the Edge TPU is used by another process"
NO_EDGETPU_MODEL = "no Edge TPU model"
_delegates: dict[str | None, Any] = {}


def open_on_edgetpu(
    edgetpu_model: Path | None, device: str | None = None
) -> tuple[LoadedModel | None, str]:
    """An allocated interpreter of an Edge TPU model, or (None, why not).

    In order: the model must exist (nothing touches the device otherwise), the runtime
    library must load (``dlopen`` only, no device is opened), this process must own the
    device (:func:`appliance.vision.edgetpu.claim_device`), then the delegate is opened once
    per process and shared by every model of the process.
    """
    from appliance.vision import edgetpu

    if edgetpu_model is None or not Path(edgetpu_model).is_file():
        name = Path(edgetpu_model).name if edgetpu_model else "this model"
        return None, f"{NO_EDGETPU_MODEL} ({name}) in models/edgetpu/"
    try:  # the runtime library first: without it there is nothing to own
        ctypes.CDLL(EDGETPU_LIBRARY)
    except OSError as exc:
        return None, f"OSError: {exc}"
    if not edgetpu.claim_device():
        return None, f"{OWNED_ELSEWHERE} (pid {edgetpu.owner_pid()}); this one uses the CPU"
    name, module = _import_runtime()
    try:
        if device not in _delegates:
            _delegates[device] = load_edgetpu_delegate(device)
        interpreter = module.Interpreter(
            model_path=str(edgetpu_model), experimental_delegates=[_delegates[device]]
        )
        interpreter.allocate_tensors()
    except _DELEGATE_ERRORS as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return LoadedModel(interpreter, "edgetpu", Path(edgetpu_model), name), ""


def runtime_version() -> str:
    """Installed version of the tflite runtime package in use."""
    from importlib.metadata import PackageNotFoundError, version

    name = runtime_name()
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def edgetpu_status(device: str | None = None) -> tuple[bool, str]:
    """(usable, reason): whether the Edge TPU delegate loads on this machine right now."""
    try:
        load_edgetpu_delegate(device)
    except _DELEGATE_ERRORS as exc:
        return False, f"{type(exc).__name__}: {exc}"
    return True, "Edge TPU delegate loaded"


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_vision(
    models: Mapping[str, tuple[Path, Path | None]],
    accelerator: Accelerator = "auto",
    threads: int | None = None,
) -> dict[str, Any]:
    """What `shoebox doctor` reports: runtime, accelerator actually in use, models.

    ``models`` maps a purpose ("classifier") to (CPU model, Edge TPU twin or None). The
    accelerator in use is "edgetpu" only when the delegate loads and the twin exists.
    """
    from appliance.vision.edgetpu import answer

    tpu = answer(accelerator)  # never opens the device: a running service may own it
    usable, reason = tpu.in_use, tpu.text
    report: dict[str, Any] = {
        "runtime": runtime_name(),
        "runtime_version": runtime_version(),
        "accelerator_setting": accelerator,
        "edgetpu_available": usable,
        "edgetpu_reason": reason,
        "accelerator": reason,
        "threads": threads or default_threads(),
        "models": {},
    }
    for purpose, (cpu_model, twin) in models.items():
        on_tpu = usable and twin is not None and Path(twin).is_file()
        path = Path(twin) if on_tpu and twin is not None else Path(cpu_model)
        entry: dict[str, Any] = {"device": "edgetpu" if on_tpu else "cpu", "path": str(path)}
        if path.is_file():
            entry.update(sha256=sha256_file(path), bytes=path.stat().st_size)
        else:
            entry["error"] = "file missing"
        entry["edgetpu_model"] = str(twin) if twin is not None and Path(twin).is_file() else None
        report["models"][purpose] = entry
    return report
