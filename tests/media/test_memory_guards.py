"""Items 7 and 8: memory stays bounded on hostile pictures; incomplete HEIF files are
never shown as fine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from crafted import deflate_tiff_bomb, many_strips_tiff, png_bomb
from ingest_helpers import export, ingest, quick_settings

from appliance.media.decode import PREVIEW_ONLY, RenderError
from appliance.media.guards import TOO_LARGE, decoded_bytes
from appliance.media.heif_extents import check_heif
from appliance.media.render import render

REPO = Path(__file__).resolve().parents[2]
LIMIT_MB = 600


def peak_of_render(path: Path) -> dict:
    """Render ``path`` in a fresh process (the 256 MP setting, as in a worker)."""
    out = subprocess.run(
        [sys.executable, "-m", "appliance.media.decode_probe", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    return {
        "deflate TIFF 15000x15000": deflate_tiff_bomb(folder / "deflate.tif"),
        "PNG 15000x15000": png_bomb(folder / "bomb.png"),
        "TIFF with a million strips": many_strips_tiff(folder / "strips.tif"),
    }


@pytest.mark.parametrize(
    "name", ["deflate TIFF 15000x15000", "PNG 15000x15000", "TIFF with a million strips"]
)
def test_bombs_are_refused_within_the_memory_limit(bombs: dict[str, Path], name: str) -> None:
    probe = peak_of_render(bombs[name])
    assert probe["result"].startswith(TOO_LARGE), probe
    assert probe["peak_mb"] < LIMIT_MB, probe


def test_budget_counts_bit_depth_and_channels() -> None:
    rgb8 = decoded_bytes(10000, 10000, "RGB")
    assert decoded_bytes(10000, 10000, "I;16") < rgb8 < decoded_bytes(10000, 10000, "RGBA")
    assert decoded_bytes(10000, 10000, "1") < decoded_bytes(10000, 10000, "L")


def test_worker_address_space_cap_turns_a_huge_allocation_into_an_error() -> None:
    code = (
        "from appliance.media.guards import limit_address_space\n"
        "limit = limit_address_space(300 * 1024 * 1024)\n"
        "try:\n"
        "    block = bytearray(700 * 1024 * 1024)\n"
        "    print('allocated')\n"
        "except MemoryError:\n"
        "    print('refused', limit)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert out.stdout.startswith("refused"), out.stdout + out.stderr


# --- 8. incomplete HEIF files -----------------------------------------------------------------


def _cut(source: Path, fraction: float, folder: Path) -> Path:
    data = source.read_bytes()
    target = folder / f"{source.stem}_{int(fraction * 1000)}{source.suffix}"
    target.write_bytes(data[: int(len(data) * fraction)])
    return target


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.999])
def test_truncated_heic_is_an_error(corpus: Path, tmp_path: Path, fraction: float) -> None:
    cut = _cut(corpus / "heif/exif-samples/IMG_5195.HEIC", fraction, tmp_path)
    assert not check_heif(cut).primary_ok
    with pytest.raises(RenderError, match="incomplete file"):
        render(cut, "image/heic")


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.999])
def test_truncated_heic_with_intact_preview_imports_with_a_warning(
    corpus: Path, tmp_path: Path, fraction: float
) -> None:
    cut = _cut(corpus / "heif/pillow_heif/arrow.heic", fraction, tmp_path)
    result = render(cut, "image/heic")
    assert result.display_size == (3024, 4032)
    assert any(w.startswith(PREVIEW_ONLY) for w in result.warnings)


def test_complete_heif_files_pass(corpus: Path) -> None:
    for path in sorted((corpus / "heif").rglob("*")):
        if path.suffix.lower() in (".heic", ".heif", ".hif", ".avif"):
            assert check_heif(path).primary_ok, path


def test_truncated_heic_is_catalogued_with_its_reason_and_warnings_exported(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    folder = tmp_path / "card"
    folder.mkdir()
    _cut(corpus / "heif/exif-samples/IMG_5195.HEIC", 0.5, folder)
    _cut(corpus / "heif/pillow_heif/arrow.heic", 0.5, folder)
    ingest(quick_settings(tmp_path / "lib"), folder)
    records = {r["files"][0]["path"].rsplit("/", 1)[1]: r for r in export(tmp_path / "lib", capsys)}
    broken = records["IMG_5195_500.HEIC"]
    assert broken["status"] == "error" and "incomplete file" in broken["files"][0]["error"]
    partial = records["arrow_500.heic"]
    assert partial["status"] == "ok"
    assert any(w.startswith(PREVIEW_ONLY) for w in partial["files"][0]["warnings"])
