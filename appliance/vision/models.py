"""Where the model files live: $SHOEBOX_MODELS_DIR, else the `models/` folder of the
checkout (development), else `<virtualenv>/models` (where image-build/install.sh puts them).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CHECKOUT_MODELS = Path(__file__).resolve().parents[2] / "models"


def models_dir() -> Path:
    configured = os.environ.get("SHOEBOX_MODELS_DIR")
    if configured:
        return Path(configured)
    if CHECKOUT_MODELS.is_dir():
        return CHECKOUT_MODELS
    return Path(sys.prefix) / "models"


def edgetpu_twin(model: Path) -> Path:
    """The Edge-TPU-compiled twin of a model: models/edgetpu/<stem>_edgetpu.tflite."""
    return model.parent / "edgetpu" / f"{model.stem}_edgetpu.tflite"
