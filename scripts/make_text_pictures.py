"""Build the judged pictures with text (tests/data/text_pictures): what text recognition is
measured on (bench/bench_text_engines.py) and tested with (tests/text/).

The shared corpus has three real photos with text (a bar's beer boards, handwritten notes,
a Turkish book page); they are taken as they are, reduced to the viewer's 1600 px. The
other pictures are drawn here, deterministically, with Debian's fonts (fonts-dejavu-core,
fonts-wqy-zenhei for Chinese) on plain grounds or on corpus photos: signs in perspective,
till receipts, phone screenshots, book pages and letters, a T-shirt, blurred, rotated,
small and light-on-dark text, Cyrillic, Greek and Chinese. Eight corpus photos without text
measure what a reader invents and what a photo without text costs.

    .venv/bin/python scripts/make_text_pictures.py [--corpus ../shared/corpus]

Writes the pictures, ``truth.json`` (file -> kind, expected words, description) and
``README.md`` (the same as a table, with the provenance of each picture).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "tests" / "data" / "text_pictures"
FONTS = Path("/usr/share/fonts/truetype")
SANS = FONTS / "dejavu" / "DejaVuSans.ttf"
SANS_BOLD = FONTS / "dejavu" / "DejaVuSans-Bold.ttf"
SERIF = FONTS / "dejavu" / "DejaVuSerif.ttf"
MONO = FONTS / "dejavu" / "DejaVuSansMono.ttf"
CJK = FONTS / "wqy" / "wqy-zenhei.ttc"
LONG_SIDE = 1600
QUALITY = 88


@dataclass
class Picture:
    name: str
    kind: str
    words: list[str]
    description: str
    source: str  # where its pixels come from


def font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def fit(image: Image.Image, long_side: int = LONG_SIDE) -> Image.Image:
    image = image.convert("RGB")
    image.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    return image


def corpus_photo(corpus: Path, rel: str) -> Image.Image:
    with Image.open(corpus / rel) as image:
        return fit(ImageOps.exif_transpose(image))


def words_of(lines: list[str]) -> list[str]:
    """The words of the lines as search splits them (letters and digits), each once."""
    out: list[str] = []
    for word in re.findall(r"[^\W_]+", " ".join(lines)):
        if len(word) >= 2 and word not in out:
            out.append(word)
    return out


def text_block(lines: list[str], face: ImageFont.FreeTypeFont, fg, bg, pad: int = 30):
    """An image of the lines on a plain ground."""
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    boxes = [probe.textbbox((0, 0), line, font=face) for line in lines]
    height = face.size + face.size // 3
    width = max(b[2] for b in boxes) + 2 * pad
    block = Image.new("RGB", (width, height * len(lines) + 2 * pad), bg)
    draw = ImageDraw.Draw(block)
    for i, line in enumerate(lines):
        draw.text((pad, pad + i * height), line, font=face, fill=fg)
    return block


def perspective(block: Image.Image, rng: random.Random, amount: float = 0.08) -> Image.Image:
    """The block seen a little from the side (a quad transform), on transparency."""
    w, h = block.size
    d = lambda n: rng.uniform(0, amount) * n  # noqa: E731
    quad = (d(w), d(h), d(w), h - d(h), w - d(w), h - d(h), w - d(w), d(h))
    rgba = block.convert("RGBA")
    return rgba.transform((w, h), Image.Transform.QUAD, quad, Image.Resampling.BICUBIC)


def paste_centre(ground: Image.Image, item: Image.Image, scale: float, at=(0.5, 0.45)):
    ground = ground.copy()
    target = int(ground.width * scale)
    item = item.resize((target, int(item.height * target / item.width)), Image.Resampling.LANCZOS)
    x = int(ground.width * at[0] - item.width / 2)
    y = int(ground.height * at[1] - item.height / 2)
    ground.paste(item, (x, y), item if item.mode == "RGBA" else None)
    return ground


def uneven_light(image: Image.Image, rng: random.Random) -> Image.Image:
    """A lamp on one side: brightness falling off across the picture."""
    w, h = image.size
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    yy, xx = np.mgrid[0:h, 0:w]
    fall = 1.0 - 0.45 * np.hypot(xx - cx, yy - cy) / math.hypot(w, h)
    pixels = np.asarray(image, dtype=np.float32) * fall[..., None]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def table(size=(1600, 1200), seed: int = 1) -> Image.Image:
    """A wooden table: brown noise stretched along the grain."""
    rng = np.random.default_rng(seed)
    grain = rng.normal(0, 1, (size[1] // 8, 8)).repeat(8, 0).repeat(size[0] // 8, 1)
    base = np.array([120, 82, 50], dtype=np.float32)
    pixels = base + grain[..., None] * np.array([18, 12, 8], dtype=np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def cloth(size=(1200, 1500), colour=(30, 32, 40), seed: int = 2) -> Image.Image:
    rng = np.random.default_rng(seed)
    weave = rng.normal(0, 4, (size[1], size[0]))
    pixels = np.array(colour, dtype=np.float32) + weave[..., None]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def wave(image: Image.Image, amplitude: float = 12.0) -> Image.Image:
    """Text on a body: rows shifted along a sine (a T-shirt's curve)."""
    pixels = np.asarray(image)
    out = np.empty_like(pixels)
    for x in range(pixels.shape[1]):
        shift = int(amplitude * math.sin(x / pixels.shape[1] * math.pi))
        out[:, x] = np.roll(pixels[:, x], shift, axis=0)
    return Image.fromarray(out)


# --- the pictures -----------------------------------------------------------------------


def signs(corpus: Path, rng: random.Random) -> list[tuple[Picture, Image.Image]]:
    made = []
    plates = [
        ("misc/dlib/giraffe.jpg", ["SAFARI PARK", "Feeding time 14:30"], (20, 90, 40), "white"),
        (
            "misc/immich/albums/nature/silver_fir.jpg",
            ["CAMPSITE", "Pitch 27", "Quiet after 22:00"],
            (90, 60, 30),
            "white",
        ),
        (
            "exif/immich/gps-position/thompson-springs.jpg",
            ["THOMPSON SPRINGS", "Gas Food Lodging"],
            (20, 60, 140),
            "white",
        ),
        ("misc/dlib/eagle.jpg", ["Do not feed", "the birds"], (240, 240, 235), (160, 20, 20)),
        (
            "misc/immich/albums/nature/wood_anemones.jpg",
            ["NATURE RESERVE", "Keep to the path"],
            (235, 225, 180),
            (40, 70, 30),
        ),
    ]
    for i, (rel, lines, bg, fg) in enumerate(plates, 1):
        block = text_block(lines, font(SANS_BOLD, 72), fg, bg, pad=40)
        picture = paste_centre(corpus_photo(corpus, rel), perspective(block, rng), 0.55)
        name = f"sign-{i}.jpg"
        made.append(
            (Picture(name, "sign", words_of(lines), f"sign “{' / '.join(lines)}”", rel), picture)
        )
    return made


RECEIPTS = [
    [
        "GARAGE MARTIN",
        "12 rue des Lilas, Lyon",
        "Invoice 2024-0412",
        "Oil change        49.90",
        "Brake pads        88.00",
        "Wiper blades      21.50",
        "Labour            60.00",
        "Total EUR        219.40",
        "Paid by card  Thank you",
    ],
    [
        "CORNER BAKERY",
        "Sourdough loaf     4.20",
        "Croissant x3       3.90",
        "Apple tart         5.50",
        "Coffee large       2.80",
        "Subtotal          16.40",
        "VAT 5.5%           0.90",
        "TOTAL             17.30",
        "Cash  Change 2.70  Goodbye",
    ],
    [
        "HARDWARE STORE",
        "Screws box         6.99",
        "Paint white 2L    24.50",
        "Brush set          9.99",
        "Masking tape       3.49",
        "TOTAL             44.97",
        "Card VISA ****1234",
        "Returns within 30 days",
    ],
    [
        "PHARMACY CENTRAL",
        "Sunscreen SPF50   12.90",
        "Plasters           4.10",
        "Vitamin tablets    8.75",
        "TOTAL             25.75",
        "Keep your receipt",
        "Opening hours Monday to Saturday",
    ],
]


def receipts(rng: random.Random) -> list[tuple[Picture, Image.Image]]:
    made = []
    for i, lines in enumerate(RECEIPTS, 1):
        paper = text_block(lines, font(MONO, 40), (30, 30, 30), (246, 244, 238), pad=50)
        paper = paper.convert("RGBA").rotate(
            rng.uniform(-4, 4), expand=True, fillcolor=(0, 0, 0, 0)
        )
        ground = table(seed=i)
        picture = paste_centre(ground, paper.convert("RGBA"), 0.62, at=(0.5, 0.5))
        picture = uneven_light(picture, rng)
        made.append(
            (
                Picture(
                    f"receipt-{i}.jpg",
                    "receipt",
                    words_of(lines),
                    f"till receipt of {lines[0]}",
                    "drawn (DejaVu Sans Mono on a generated wooden table)",
                ),
                picture,
            )
        )
    return made


SCREENS = [
    (
        "Screenshot_20240512-101112.png",
        ["Wi-Fi", "Network  Garden-Home", "Password  Rosebud-Lantern-42", "Security WPA2"],
    ),
    (
        "Screenshot_20231103-075501.png",
        ["BOARDING PASS", "Passenger  SMITH ANNA", "Flight LH 1234", "Gate B22  Seat 14C"],
    ),
    (
        "IMG_20240601_ChatExport.jpg",
        ["Mum", "Dinner at seven?", "Bring the cake please", "See you tonight"],
    ),
    (
        "IMG_20240220_Parking.jpg",
        ["Parking ticket", "Zone 4 Level minus 2", "Valid until 18:45", "Plate AB-123-CD"],
    ),
]


def screenshots() -> list[tuple[Picture, Image.Image]]:
    made = []
    for name, lines in SCREENS:
        screen = Image.new("RGB", (1080, 2340), (250, 250, 252))
        draw = ImageDraw.Draw(screen)
        draw.rectangle((0, 0, 1080, 90), fill=(30, 30, 30))
        draw.text((40, 22), "09:41", font=font(SANS_BOLD, 42), fill="white")
        draw.text((40, 180), lines[0], font=font(SANS_BOLD, 84), fill=(20, 20, 20))
        for i, line in enumerate(lines[1:]):
            y = 420 + i * 220
            draw.rounded_rectangle((30, y - 30, 1050, y + 130), 30, fill=(230, 234, 242))
            draw.text((70, y + 20), line, font=font(SANS, 56), fill=(20, 20, 40))
        made.append(
            (
                Picture(
                    name,
                    "screenshot",
                    words_of(lines),
                    f"phone screenshot: {lines[0]}",
                    "drawn (DejaVu Sans; a phone's 1080x2340 screen, no camera EXIF)",
                ),
                screen,
            )
        )
    return made


BOOK = [
    "It was the best of times, it was the worst of times,",
    "it was the age of wisdom, it was the age of foolishness,",
    "it was the epoch of belief, it was the epoch of incredulity,",
    "it was the season of Light, it was the season of Darkness,",
    "it was the spring of hope, it was the winter of despair.",
]
LETTER = [
    "Dear Mr Brown,",
    "Your appointment with the dentist is confirmed",
    "for Tuesday 14 May at 10:30. Please arrive",
    "ten minutes early and bring your insurance card.",
    "Kind regards, Riverside Dental Clinic",
]
TICKET = [
    "MUSEUM OF SCIENCE",
    "Admission ticket  Adult",
    "Saturday 3 August 2024",
    "Entry between 10:00 and 11:00",
    "Planetarium show included",
    "Please keep this ticket with you",
]
NOTICE = [
    "SCHOOL TRIP",
    "Class 4B visits the aquarium on Friday.",
    "Children need a packed lunch, a raincoat",
    "and a signed permission form. The bus leaves",
    "at eight thirty from the main entrance.",
]


def documents(rng: random.Random) -> list[tuple[Picture, Image.Image]]:
    made = []
    pages = [("book", BOOK), ("letter", LETTER), ("ticket", TICKET), ("notice", NOTICE)]
    for i, (what, lines) in enumerate(pages, 1):
        page = text_block(lines, font(SERIF, 44), (25, 25, 25), (250, 248, 240), pad=80)
        page = page.convert("RGBA").rotate(rng.uniform(-6, 6), expand=True, fillcolor=(0, 0, 0, 0))
        picture = paste_centre(table(seed=10 + i), page.convert("RGBA"), 0.85, at=(0.5, 0.5))
        picture = uneven_light(picture, rng)
        made.append(
            (
                Picture(
                    f"document-{i}.jpg",
                    "document",
                    words_of(lines),
                    f"photographed {what}, skewed, lamp light",
                    "drawn (DejaVu Serif on a generated table)",
                ),
                picture,
            )
        )
    return made


def tshirts() -> list[tuple[Picture, Image.Image]]:
    made = []
    for i, (lines, colour, ink) in enumerate(
        [
            (["BERLIN", "MARATHON"], (30, 32, 40), (240, 240, 240)),
            (["SURF", "CLUB"], (180, 30, 40), "white"),
        ],
        1,
    ):
        shirt = cloth(colour=colour, seed=i)
        draw = ImageDraw.Draw(shirt)
        for j, line in enumerate(lines):
            draw.text((180, 450 + j * 200), line, font=font(SANS_BOLD, 150), fill=ink)
        made.append(
            (
                Picture(
                    f"tshirt-{i}.jpg",
                    "tshirt",
                    words_of(lines),
                    "printed T-shirt, curved",
                    "drawn (DejaVu Sans Bold on generated cloth)",
                ),
                wave(shirt),
            )
        )
    return made


def blurred(corpus: Path, rng: random.Random) -> list[tuple[Picture, Image.Image]]:
    made = []
    for i, (lines, radius) in enumerate([(["BUS STOP", "Line 12"], 2.0), (["EXIT"], 3.0)], 1):
        block = text_block(lines, font(SANS_BOLD, 80), "white", (20, 100, 60), pad=40)
        ground = corpus_photo(corpus, "misc/immich/albums/nature/silver_fir.jpg")
        picture = paste_centre(ground, perspective(block, rng), 0.5)
        picture = picture.filter(ImageFilter.GaussianBlur(radius))
        made.append(
            (
                Picture(
                    f"blurry-{i}.jpg",
                    "blurry",
                    words_of(lines),
                    f"sign out of focus (Gaussian blur {radius} px)",
                    "drawn on misc/immich/albums/nature/silver_fir.jpg",
                ),
                picture,
            )
        )
    return made


def rotated() -> list[tuple[Picture, Image.Image]]:
    made = []
    for angle, lines in [
        (90, ["Platform 9", "Trains to Oxford"]),
        (180, ["Lost cat", "Answers to Whiskers"]),
        (15, ["Fresh strawberries", "Three euros a box"]),
    ]:
        block = text_block(lines, font(SANS_BOLD, 70), (10, 10, 10), (255, 220, 60), pad=50)
        turned = block.rotate(angle, expand=True, fillcolor=(200, 200, 200))
        made.append(
            (
                Picture(
                    f"rotated-{angle}.jpg",
                    "rotated",
                    words_of(lines),
                    f"notice photographed turned {angle}°",
                    "drawn (DejaVu Sans Bold)",
                ),
                turned,
            )
        )
    return made


def non_latin() -> list[tuple[Picture, Image.Image]]:
    made = []
    for name, lines, face, words, what in [
        (
            "cyrillic.jpg",
            ["Осторожно", "Окрашено"],
            SANS_BOLD,
            ["Осторожно", "Окрашено"],
            "Russian sign: careful, wet paint",
        ),
        (
            "greek.jpg",
            ["ΠΑΡΑΛΙΑ", "Καλό καλοκαίρι"],
            SANS_BOLD,
            ["ΠΑΡΑΛΙΑ", "Καλό", "καλοκαίρι"],
            "Greek sign: beach, have a good summer",
        ),
        (
            "chinese.jpg",
            ["北京火车站", "出口"],
            CJK,
            ["北京火车站", "出口"],
            "Chinese station sign: Beijing railway station, exit",
        ),
    ]:
        block = text_block(lines, font(face, 90), (250, 250, 250), (30, 70, 130), pad=60)
        made.append((Picture(name, "nonlatin", words, what, f"drawn ({face.name})"), block))
    return made


def small_and_dark() -> list[tuple[Picture, Image.Image]]:
    made = []
    small = Image.new("RGB", (1600, 1200), (235, 235, 230))
    draw = ImageDraw.Draw(small)
    draw.text(
        (120, 560),
        "Serial number 7734-XK  Made in Portugal",
        font=font(SANS, 22),
        fill=(40, 40, 40),
    )
    made.append(
        (
            Picture(
                "small-1.jpg",
                "small",
                ["Serial", "number", "7734", "XK", "Made", "Portugal"],
                "a small label (22 px text on a 1600 px picture)",
                "drawn (DejaVu Sans)",
            ),
            small,
        )
    )
    small = Image.new("RGB", (1600, 1200), (250, 250, 250))
    draw = ImageDraw.Draw(small)
    draw.text((900, 1100), "Photo by Lena Ortiz", font=font(SANS, 26), fill=(90, 90, 90))
    made.append(
        (
            Picture(
                "small-2.jpg",
                "small",
                ["Photo", "Lena", "Ortiz"],
                "a caption in a corner (26 px)",
                "drawn (DejaVu Sans)",
            ),
            small,
        )
    )
    for i, lines in enumerate([["OPEN LATE", "Pizza and Pasta"], ["CINEMA", "Tonight 20:15"]], 1):
        block = text_block(lines, font(SANS_BOLD, 90), (255, 230, 120), (15, 15, 25), pad=70)
        made.append(
            (
                Picture(
                    f"dark-{i}.jpg",
                    "dark",
                    words_of(lines),
                    "light text on a dark ground",
                    "drawn (DejaVu Sans Bold)",
                ),
                block,
            )
        )
    return made


REAL = [
    (
        "misc/immich/albums/text/craft-beer.jpg",
        "real-beer-boards.jpg",
        [
            "MAIN",
            "STAY",
            "SEASONAL",
            "BARREL",
            "AGED",
            "WEEKEND",
            "WARRIOR",
            "HOPADILLO",
            "RODEO",
            "CLOWN",
            "Session",
            "IPA",
            "Collaboration",
            "Beer",
        ],
        "woman at a bar with beer menu boards (a real photo)",
    ),
    (
        "misc/immich/albums/text/handwritten-notes.jpg",
        "real-handwritten-notes.jpg",
        [
            "TODO",
            "IMPORTANT",
            "REMEMBER",
            "progress",
            "feedback",
            "pricing",
            "search",
            "documents",
            "release",
            "code",
        ],
        "notebook with handwritten notes (a real photo)",
    ),
    (
        "misc/immich/albums/text/book-beside-flowers.jpg",
        "real-turkish-book.jpg",
        ["Sevgili", "Dost", "Allah", "Posta", "Kutusundaki", "Futbolcular", "Ali", "Ural"],
        "open Turkish book page beside dried flowers (a real photo)",
    ),
]
NO_TEXT = [
    "misc/skimage/chelsea.jpg",
    "misc/skimage/coffee.jpg",
    "misc/dlib/giraffe.jpg",
    "misc/dlib/eagle.jpg",
    "misc/immich/albums/nature/prairie_falcon.jpg",
    "misc/immich/albums/nature/wood_anemones.jpg",
    "misc/immich/albums/nature/silver_fir.jpg",
    "misc/skimage/hubble_deep_field.jpg",
]


def from_corpus(corpus: Path) -> list[tuple[Picture, Image.Image]]:
    made = [
        (Picture(name, "real", words, what, rel), corpus_photo(corpus, rel))
        for rel, name, words, what in REAL
    ]
    for rel in NO_TEXT:
        name = "notext-" + Path(rel).stem + ".jpg"
        made.append(
            (Picture(name, "notext", [], "a photo without text", rel), corpus_photo(corpus, rel))
        )
    return made


def build(corpus: Path, out: Path) -> list[Picture]:
    rng = random.Random(24)
    makers: list[Callable[[], list[tuple[Picture, Image.Image]]]] = [
        lambda: signs(corpus, rng),
        lambda: receipts(rng),
        screenshots,
        lambda: documents(rng),
        tshirts,
        lambda: blurred(corpus, rng),
        rotated,
        non_latin,
        small_and_dark,
        lambda: from_corpus(corpus),
    ]
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        if old.suffix in (".jpg", ".png"):
            old.unlink()
    pictures = []
    for make in makers:
        for picture, image in make():
            image = image.convert("RGB")
            if picture.name.endswith(".png"):
                image.save(out / picture.name, optimize=True)
            else:
                fit(image).save(out / picture.name, quality=QUALITY, optimize=True)
            pictures.append(picture)
    return pictures


def write_truth(pictures: list[Picture], out: Path) -> None:
    truth = {
        p.name: {"kind": p.kind, "words": p.words, "description": p.description} for p in pictures
    }
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n")
    rows = "\n".join(
        f"| `{p.name}` | {p.kind} | {p.description} | {', '.join(p.words) or '(none)'} "
        f"| {p.source} |"
        for p in pictures
    )
    (out / "README.md").write_text(
        f"""# Judged pictures with text

Made by `scripts/make_text_pictures.py` (run it to make them again; it is deterministic).
What text recognition is measured on (`bench/bench_text_engines.py`) and tested with
(`tests/text/`). `truth.json` lists, for each picture, its kind and the words a family
would search it by; a reader is scored on those words, compared without case or accents.

Provenance and licences:
- fonts: DejaVu (Debian `fonts-dejavu-core`, Bitstream Vera licence, free) and WenQuanYi
  Zen Hei (Debian `fonts-wqy-zenhei`, GPL-2 with font embedding exception) for Chinese;
- grounds: generated noise (tables, cloth), or corpus photos named in the last column
  (see `../../../../shared/corpus/README.md` for each one's origin and licence: immich
  test-assets are public domain, skimage and dlib samples as stated there);
- `real-*`: the corpus's three photos with text, only reduced to 1600 px.

| file | kind | what it shows | expected words | from |
| --- | --- | --- | --- | --- |
{rows}
"""
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    pictures = build(args.corpus, args.out)
    write_truth(pictures, args.out)
    print(f"{len(pictures)} pictures in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
