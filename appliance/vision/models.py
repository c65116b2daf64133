"""Where the model files live: $SHOEBOX_MODELS_DIR, else the `models/` folder of the checkout.

An installed appliance (image-build) copies `models/` next to its virtualenv and sets the
variable in its unit; a development checkout needs nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

CHECKOUT_MODELS = Path(__file__).resolve().parents[2] / "models"


def models_dir() -> Path:
    configured = os.environ.get("SHOEBOX_MODELS_DIR")
    return Path(configured) if configured else CHECKOUT_MODELS


def edgetpu_twin(model: Path) -> Path:
    """The Edge-TPU-compiled twin of a model: models/edgetpu/<stem>_edgetpu.tflite."""
    return model.parent / "edgetpu" / f"{model.stem}_edgetpu.tflite"
