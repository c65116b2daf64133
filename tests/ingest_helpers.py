"""Helpers for pipeline tests: settings for a throwaway library, running the pipeline."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from PIL import Image

from appliance.cli import main
from appliance.config import Settings
from appliance.ingest.discover import iter_media_files
from appliance.ingest.runner import Ingestor
from appliance.records import FileTask, Outcome, Policy


def quick_settings(library: Path, **overrides: object) -> Settings:
    """A library with the vision stages off (they have their own tests)."""
    values = {"library": library, "workers": 2, "labels": False, "faces": False}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def ingest(settings: Settings, folder: Path, policy: Policy = "index") -> list[Outcome]:
    source = "index" if policy == "index" else "import"
    tasks = [FileTask(p.resolve(), source, policy) for p in iter_media_files(folder)]
    with Ingestor(settings) as ingestor:
        return ingestor.process(tasks)


def export(library: Path, capsys) -> list[dict]:  # noqa: ANN001 - pytest fixture
    capsys.readouterr()
    assert main(["--library", str(library), "export", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_jpeg(path: Path, seed: int, date: str | None = None, size=(64, 48)) -> Path:
    """A small distinct JPEG, optionally with an EXIF DateTimeOriginal ("YYYY:MM:DD hh:mm:ss")."""
    image = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 13) % 256))
    image.putpixel((seed % size[0], (seed // size[0]) % size[1]), (255, 255, 255))
    exif = Image.Exif()
    if date:
        exif.get_ifd(0x8769)[0x9003] = date
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), quality=90)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return path
