"""The judged pictures with text (tests/data/text_pictures) imported into one library and
read by the real text reader, shared by the text tests and the browser tests."""

from __future__ import annotations

import json
import shutil

import pytest
from suite_env import REPO

from appliance.config import Settings
from appliance.ingest.runner import Ingestor
from appliance.library import Library
from appliance.records import FileTask
from appliance.text.background import TextBackground

PICTURES = REPO / "tests" / "data" / "text_pictures"
TRUTH: dict[str, dict] = json.loads((PICTURES / "truth.json").read_text())


def of_kind(kind: str) -> list[str]:
    return sorted(name for name, t in TRUTH.items() if t["kind"] == kind)


@pytest.fixture(scope="session")
def text_library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Library, dict[str, int]]:
    """Every judged picture imported (the real classifier on; faces off: not what is
    tested) and read."""
    root = tmp_path_factory.mktemp("text-library")
    folder = root / "import"
    folder.mkdir()
    for name in TRUTH:
        shutil.copyfile(PICTURES / name, folder / name)
    settings = Settings(
        library=root / "library", setup_file=root / "none.toml", workers=2,
        labels=True, faces=False,
    )  # fmt: skip
    with Ingestor(settings) as ingestor:
        outcomes = ingestor.process([FileTask(folder / n, "import", "copy") for n in TRUTH])
        failed = [(o.task.path.name, o.error) for o in outcomes if o.status != "added"]
        assert not failed
        ids = {o.task.path.name: o.photo_id for o in outcomes}
        reader = TextBackground(Library(settings.library_root).cache)
        assert reader.run_all() == len(TRUTH)
        assert not reader.unavailable
    return Library(settings.library_root), ids
