"""The text reader: rapidocr (PaddleOCR's PP-OCRv6 small detection and recognition models,
on ONNX Runtime), with the models inside its wheel: nothing is downloaded.

One call detects text first and recognises only the regions found, so a photo without text
costs one detection at `DETECT_SIDE` pixels (the recognition model is not even loaded until
a photo has text). Chosen over Tesseract on the judged pictures (BENCHMARKS.md, "Text in
pictures"): signs, T-shirts, rotated and blurred text are where Tesseract fails.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from PIL import Image

log = logging.getLogger(__name__)

DETECT_SIDE = 960  # detection's long side: small print on a 1600 px viewer image still found
MIN_SCORE = 0.6  # a line the recogniser is less sure of is mostly noise (bench_text_engines)
THREADS = 2


class TextEngineUnavailable(RuntimeError):
    """rapidocr or ONNX Runtime is not installed (text recognition is then skipped)."""


@dataclass(frozen=True)
class Line:
    """One line of text: what it says, how sure the recogniser is, and where it is (four
    corners, fractions of the picture's width and height)."""

    text: str
    score: float
    box: tuple[tuple[float, float], ...]


@dataclass
class Reading:
    """What one picture says, and what reading it cost."""

    lines: list[Line] = field(default_factory=list)
    width: int = 0
    height: int = 0
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def text_area(self) -> float:
        """The share of the picture covered by the lines' boxes (0-1, overlaps counted)."""
        total = 0.0
        for line in self.lines:
            xs = [p[0] for p in line.box]
            ys = [p[1] for p in line.box]
            total += (max(xs) - min(xs)) * (max(ys) - min(ys))
        return min(total, 1.0)


def engine_name() -> str:
    """Which reader and models, as stored beside each photo's text."""
    try:
        version = metadata.version("rapidocr")
    except metadata.PackageNotFoundError:
        version = "?"
    return f"rapidocr {version}"


class TextEngine:
    """rapidocr with Shoebox's settings; models load on first use."""

    def __init__(self, threads: int = THREADS, detect_side: int = DETECT_SIDE) -> None:
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:
            raise TextEngineUnavailable(f"text recognition needs rapidocr: {exc}") from exc
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        self._ocr: Any = RapidOCR(
            params={
                "Global.log_level": "error",
                "Global.text_score": MIN_SCORE,
                "Global.use_cls": True,  # text upside down is turned before it is read
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                "Det.limit_type": "max",
                "Det.limit_side_len": detect_side,
            }
        )

    def read(self, image: Image.Image) -> Reading:
        """Detect and recognise the text of ``image``."""
        start = time.perf_counter()
        picture = image.convert("RGB")
        width, height = picture.size
        result = self._ocr(picture)
        lines: list[Line] = []
        boxes = getattr(result, "boxes", None)
        texts = getattr(result, "txts", None)
        scores = getattr(result, "scores", None)
        if boxes is not None and texts is not None and scores is not None:
            for box, text, score in zip(boxes, texts, scores, strict=False):
                text = " ".join(str(text).split())
                if not text or float(score) < MIN_SCORE:
                    continue
                corners = tuple(
                    (round(float(x) / width, 4), round(float(y) / height, 4)) for x, y in box
                )
                lines.append(Line(text, round(float(score), 3), corners))
        return Reading(lines, width, height, time.perf_counter() - start)

    def read_file(self, path: Path) -> Reading:
        """Read a JPEG (the photo's viewer rendition)."""
        with Image.open(path) as image:
            image.draft("RGB", (1600, 1600))
            return self.read(image)
