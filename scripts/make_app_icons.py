"""Draw the home-screen icons of the web app (PNG) from the shapes of static/icon.svg.

    .venv/bin/python scripts/make_app_icons.py

Pillow draws the same rounded box and lens as icon.svg (our own drawing, no rasteriser
needed) at 4x and scales down; "maskable" icons keep the drawing inside the safe circle
(80 %) on a full background, as Android's adaptive icons crop them. The PNGs are committed
in appliance/web/static/icons/; run again after changing the drawing.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "appliance" / "web" / "static" / "icons"
BACKGROUND = "#15181d"  # the app's dark header colour (theme_color)
SUPER = 4


def _box(size: int, scale: float, background: str | None) -> Image.Image:
    """The icon at ``size`` px; the 64-unit drawing scaled by ``scale`` and centred."""
    big = size * SUPER
    image = Image.new("RGBA", (big, big), background or (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    unit = big * scale / 64
    offset = (big - 64 * unit) / 2

    def box(x: float, y: float, w: float, h: float) -> list[float]:
        return [
            offset + x * unit,
            offset + y * unit,
            offset + (x + w) * unit,
            offset + (y + h) * unit,
        ]

    draw.rounded_rectangle(box(4, 14, 56, 42), radius=8 * unit, fill="#f2b544")
    draw.rounded_rectangle(box(4, 8, 56, 14), radius=6 * unit, fill="#e0902a")
    draw.ellipse(box(21, 26, 22, 22), fill="#fff7e6")
    draw.ellipse(box(26, 31, 12, 12), fill="#3a6ea5")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        _box(size, 1.0, None).save(OUT / f"icon-{size}.png", optimize=True)
        _box(size, 0.72, BACKGROUND).save(OUT / f"maskable-{size}.png", optimize=True)
    _box(180, 0.82, BACKGROUND).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    print(f"icons written to {OUT}")


if __name__ == "__main__":
    main()
