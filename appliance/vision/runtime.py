"""One place that creates TensorFlow Lite interpreters, on a Coral Edge TPU or the CPU.

The runtime is `ai-edge-litert` when installed, else `tflite-runtime`. The Edge TPU is
loaded the way pycoral does it: ``load_delegate("libedgetpu.so.1")``; when that raises
(no library, no device, an incompatible runtime), the CPU model is used instead.
"""

from __future__ import annotations

import logging
import os
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
    options = {"device": device} if device else {}
    return module.load_delegate(EDGETPU_LIBRARY, options)


def load_model(
    cpu_model: Path,
    edgetpu_model: Path | None = None,
    accelerator: Accelerator = "auto",
    threads: int | None = None,
    device: str | None = None,
) -> LoadedModel:
    """Create an allocated interpreter for a model.

    With ``accelerator`` "auto" or "edgetpu" and an Edge TPU twin on disk, the Edge TPU
    delegate is tried first. "auto" falls back to the CPU model with one log line;
    "edgetpu" raises :class:`AcceleratorUnavailable` instead.
    """
    name, module = _import_runtime()
    threads = threads or default_threads()
    if accelerator not in ("auto", "edgetpu", "cpu"):
        raise ValueError(f"accelerator must be auto, edgetpu or cpu, not {accelerator!r}")
    if accelerator != "cpu":
        reason = None
        if edgetpu_model is None or not Path(edgetpu_model).is_file():
            reason = f"no Edge TPU model next to {Path(cpu_model).name}"
        else:
            try:
                delegate = load_edgetpu_delegate(device)
                interpreter = module.Interpreter(
                    model_path=str(edgetpu_model), experimental_delegates=[delegate]
                )
                interpreter.allocate_tensors()
                return LoadedModel(interpreter, "edgetpu", Path(edgetpu_model), name)
            except _DELEGATE_ERRORS as exc:
                reason = f"{type(exc).__name__}: {exc}"
        if accelerator == "edgetpu":
            raise AcceleratorUnavailable(f"Edge TPU requested but unavailable ({reason})")
        if reason not in _fallback_logged:
            _fallback_logged.add(reason)
            log.warning("no Edge TPU found, classifying on the CPU (%s)", reason)
    interpreter = module.Interpreter(model_path=str(cpu_model), num_threads=threads)
    interpreter.allocate_tensors()
    return LoadedModel(interpreter, "cpu", Path(cpu_model), name)
