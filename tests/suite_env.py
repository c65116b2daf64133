"""Constants every test may import: where the repository is and which catalogue backend
this run uses. (Import them from here, never `from conftest import`: the suite has more than
one conftest.py and the module name `conftest` means whichever pytest loaded last.)"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# The catalogue backend of this run: "sqlite" (default) or "postgresql" (every catalogue a
# test opens by its file path or library is then a fresh database on a throwaway cluster).
TEST_BACKEND = os.environ.get("SHOEBOX_TEST_BACKEND", "sqlite")
