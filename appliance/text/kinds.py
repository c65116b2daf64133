"""Screenshots and photographed documents, told apart from photos by what is known of the
file and what its text reading found (a pure module: no catalogue, no model).

- **screenshot**: named so by the phone or computer (``Screenshot_2024…``, a
  ``Screenshots`` folder, and the same words in other languages); or no camera made it, it
  is a PNG or has a screen's shape, and it has text.
- **document**: a page, a receipt, a ticket: text covers a good part of the picture and it
  says enough words (a sign or a T-shirt does not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SCREENSHOT = "screenshot"
DOCUMENT = "document"
KINDS = (SCREENSHOT, DOCUMENT)

_SCREENSHOT_NAME = re.compile(
    r"screen[ _-]?shot|screencap|bildschirmfoto|capture d.{1,2}[ée]cran|schermata|"
    r"captura de pantalla|schermafbeelding|skjermbilde|sk[äa]rmbild|скриншот|снимок экрана|"
    r"截屏|截图|スクリーンショット|스크린샷",
    re.IGNORECASE,
)
# the long side over the short one of phone screens (16:9 to 21:9) and computer screens
_PHONE_SHAPES = (1.7, 2.4)
_SCREEN_SIZES = {
    (1280, 720), (1280, 800), (1366, 768), (1440, 900), (1536, 864), (1600, 900),
    (1680, 1050), (1920, 1080), (1920, 1200), (2560, 1080), (2560, 1440), (2560, 1600),
    (2732, 2048), (2880, 1800), (3024, 1964), (3440, 1440), (3840, 2160),
}  # fmt: skip
DOCUMENT_WORDS = 20  # a page, a receipt or a ticket says at least this much
DOCUMENT_AREA = 0.06  # ... and its lines cover at least this share of the picture
SCREEN_WORDS = 3  # a screenshot without its name: some text on it


@dataclass(frozen=True)
class Facts:
    """What the catalogue knows of a photo, and what reading its text found."""

    names: tuple[str, ...]  # its files' names and the folders they came from
    camera: str | None  # make and model, None when no camera wrote EXIF
    mime: str | None
    width: int | None
    height: int | None
    words: int  # words recognised
    text_area: float  # share of the picture its lines cover


def _screen_shaped(width: int | None, height: int | None) -> bool:
    if not width or not height:
        return False
    long, short = max(width, height), min(width, height)
    if (long, short) in _SCREEN_SIZES:
        return True
    return _PHONE_SHAPES[0] <= long / short <= _PHONE_SHAPES[1] and short >= 640


def kind_of(facts: Facts) -> str | None:
    """``screenshot``, ``document`` or None (a photo)."""
    if any(_SCREENSHOT_NAME.search(name) for name in facts.names):
        return SCREENSHOT
    no_camera = not facts.camera
    if (
        no_camera
        and facts.words >= SCREEN_WORDS
        and (facts.mime == "image/png" or _screen_shaped(facts.width, facts.height))
    ):
        return SCREENSHOT
    if facts.words >= DOCUMENT_WORDS and facts.text_area >= DOCUMENT_AREA:
        return DOCUMENT
    return None
