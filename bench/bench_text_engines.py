"""Text in pictures (issue 24): rapidocr against Tesseract on the judged pictures.

    .venv/bin/python bench/bench_text_engines.py [--engines rapidocr,tesseract] [--runs 1]

The pictures and their expected words are ``tests/data/text_pictures`` (``truth.json``, made
by ``scripts/make_text_pictures.py``). Each engine setting runs in its own child process,
so its peak memory (VmHWM, or the rusage of Tesseract's own processes) is its own:

- ``rapidocr-<N>``: rapidocr (PP-OCR detection, direction classifier, recognition on ONNX
  Runtime, 2 threads), the detector's long side limited to N px (``Det.limit_type: max``);
  ``-nocls`` without the 180-degree direction classifier; ``-mmap`` with glibc told to
  give big blocks back (``MALLOC_MMAP_THRESHOLD_``: ONNX Runtime's buffers differ with each
  picture's shape and the default heap keeps them all); ``det-<N>``: detection alone (what
  a photo without text costs when recognition runs only where text was found).
- ``tesseract-psm<P>``: Debian's ``tesseract`` command, one process per picture,
  ``-l eng+rus+ell+chi_sim`` (the installed ones of these), page segmentation mode P
  (3: automatic page layout; 11: sparse text, as for scene text).

Words are compared the way search compares them (NFKD without combining marks, case-free;
runs of letters and digits; shorter than 2 characters ignored). A word of a script written
without spaces (Chinese) counts as found when it is part of a found run, and a found run of
such a script is right when it is made of expected words. Recall: expected words found /
expected words; precision: found words that are expected / found words (pictures with
text); on the pictures without text, every word found is invented. Times: the median over
the pictures of each picture's median over ``--runs``, after one warm-up call; a call
includes reading the JPEG. rapidocr's lines are kept down to a score of 0 and judged at
the engine's default cut (0.5) and at Shoebox's (0.6), from the same run.

Besides the judged pictures, a few corpus photos without text are reduced to the
viewer's 1600 px (``--corpus``; the judged ones are small) and timed and checked for
invented words apart. Kinds whose truth lists only some of the words shown (``--partial``,
the real photos) count for recall, not for precision.

The engines are each other's baseline: every number is printed beside the other engine's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PICTURES = REPO / "tests" / "data" / "text_pictures"
TESS_LANGS = ("eng", "rus", "ell", "chi_sim")
SCORE_CUTS = (0.5, 0.6)  # rapidocr's default text_score, Shoebox's MIN_SCORE
_WORD = re.compile(r"[^\W_]+")


# --- scoring -----------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents (as appliance.text.words.fold)."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", bare).casefold()


def unspaced(word: str) -> bool:
    """Han, kana or Hangul: written without spaces between words."""
    return any(
        "\u3040" <= c <= "\u30ff" or "\u3400" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af"
        for c in word
    )


def tokens(text: str) -> set[str]:
    """The folded words of ``text`` of 2 characters or more; spaces between characters of
    unspaced scripts (Tesseract puts some there) are dropped first."""
    text = re.sub(r"(?<=[\u3040-\u30ff\u3400-\u9fff])\s+(?=[\u3040-\u30ff\u3400-\u9fff])", "", text)
    return {w for w in _WORD.findall(fold(text)) if len(w) >= 2}


def made_of(run: str, parts: set[str]) -> bool:
    """Whether ``run`` is a concatenation of ``parts`` (a found unspaced run)."""
    ok = [True] + [False] * len(run)
    for end in range(1, len(run) + 1):
        ok[end] = any(ok[end - len(p)] and run.endswith(p, 0, end) for p in parts if len(p) <= end)
    return ok[-1]


@dataclass
class Tally:
    """Word counts of one engine setting over some pictures."""

    expected: int = 0
    recalled: int = 0
    found: int = 0
    right: int = 0
    invented: int = 0  # words found on pictures without text
    invented_on: int = 0  # pictures without text with any word found
    no_text: int = 0

    def add(self, truth: list[str], text: str) -> None:
        want = tokens(" ".join(truth))
        got = tokens(text)
        if not want:
            self.no_text += 1
            self.invented += len(got)
            self.invented_on += bool(got)
            return
        self.expected += len(want)
        self.recalled += sum(
            1 for w in want if w in got or (unspaced(w) and any(w in g for g in got))
        )
        self.found += len(got)
        self.right += sum(1 for g in got if g in want or (unspaced(g) and made_of(g, want)))

    @property
    def recall(self) -> float | None:
        return self.recalled / self.expected if self.expected else None

    @property
    def precision(self) -> float | None:
        return self.right / self.found if self.found else None


# --- the children: one engine setting each -----------------------------------------------


def vm_hwm_mb() -> float:
    """This process's peak resident memory (VmHWM), MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_rapidocr(setting: str, names: list[str], folder: Path, runs: int) -> dict[str, Any]:
    """Read every picture with rapidocr; lines are kept down to score 0."""
    from rapidocr import RapidOCR

    imported_mb = vm_hwm_mb()
    parts = setting.split("-")  # rapidocr-960, rapidocr-960-nocls, det-960
    side = int(parts[1])
    det_only = parts[0] == "det"
    use_cls = "nocls" not in parts and not det_only
    start = time.perf_counter()
    engine = RapidOCR(
        params={
            "Global.log_level": "error",
            "Global.text_score": 0.0,
            "EngineConfig.onnxruntime.intra_op_num_threads": 2,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "Det.limit_type": "max",
            "Det.limit_side_len": side,
        }
    )
    kwargs = (
        {"use_det": True, "use_cls": False, "use_rec": False}
        if det_only
        else {"use_det": True, "use_cls": use_cls, "use_rec": True}
    )
    engine(str(folder / names[0]), **kwargs)  # warm-up: the models load on first use
    init = time.perf_counter() - start
    out: dict[str, Any] = {"init_s": init, "imported_mb": imported_mb, "pictures": {}}
    for name in names:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            result = engine(str(folder / name), **kwargs)
            times.append(time.perf_counter() - t)
        boxes = getattr(result, "boxes", None)
        txts = getattr(result, "txts", None) or ()
        scores = getattr(result, "scores", None) or ()
        out["pictures"][name] = {
            "ms": 1000 * statistics.median(times),
            "boxes": 0 if boxes is None else len(boxes),
            "lines": [[str(t), float(s)] for t, s in zip(txts, scores, strict=False)],
        }
    out["peak_mb"] = vm_hwm_mb()
    return out


def tesseract_langs() -> list[str]:
    """The wanted Tesseract languages that are installed."""
    listed = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, check=False
    ).stdout.split()
    return [lang for lang in TESS_LANGS if lang in listed]


def run_tesseract(setting: str, names: list[str], folder: Path, runs: int) -> dict[str, Any]:
    """Read every picture with the tesseract command; peak memory from its rusage."""
    psm = setting.removeprefix("tesseract-psm")
    langs = "+".join(tesseract_langs())
    peak_kb = 0

    def once(path: Path) -> tuple[str, float]:
        nonlocal peak_kb
        t = time.perf_counter()
        proc = subprocess.Popen(
            ["tesseract", str(path), "stdout", "-l", langs, "--psm", psm],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert proc.stdout is not None
        text = proc.stdout.read().decode("utf-8", "replace")
        _, _, usage = os.wait4(proc.pid, 0)
        proc.returncode = 0  # reaped above
        peak_kb = max(peak_kb, usage.ru_maxrss)
        return text, time.perf_counter() - t

    start = time.perf_counter()
    once(folder / names[0])  # warm-up (the page cache of the language files)
    out: dict[str, Any] = {"init_s": time.perf_counter() - start, "pictures": {}, "langs": langs}
    for name in names:
        times = []
        text = ""
        for _ in range(runs):
            text, took = once(folder / name)
            times.append(took)
        lines = [[line, 1.0] for line in text.splitlines() if line.strip()]
        out["pictures"][name] = {"ms": 1000 * statistics.median(times), "lines": lines}
    out["peak_mb"] = peak_kb / 1024
    return out


def child(setting: str, folder: Path, runs: int) -> int:
    """Run one setting on every picture of ``folder``; print the result as JSON."""
    names = sorted(json.loads((folder / "truth.json").read_text()))
    if setting.startswith("tesseract"):
        result = run_tesseract(setting, names, folder, runs)
    else:
        result = run_rapidocr(setting, names, folder, runs)
    print(json.dumps(result, ensure_ascii=False))
    return 0


# --- the parent: run the settings, print the tables --------------------------------------

# Corpus photos without text, big enough to be reduced to the viewer's 1600 px (the judged
# no-text pictures are small corpus photos, so they under-state what a real photo costs).
VIEWER_PHOTOS = (
    "exif/exif-samples/tests/33-type_error.jpg",  # clouds from a plane, 2560x1600
    "exif/exif-samples/tests/28-hex_value.jpg",  # a lighthouse, 1704x2272
    "exif/exif-samples/hdr/canon_hdr_NO.jpg",  # a street lamp on a wall, 2048x1536
    "exif/exif-samples/tests/42_IndexError.jpg",  # a painting in a museum, 4032x3024
    "faces/face_recognition/obama-1080p.jpg",  # a portrait, 1920x1080
)
VIEWER_KIND = "photo-1600"
MMAP_ENV = {"MALLOC_MMAP_THRESHOLD_": "131072"}  # glibc: big blocks mmapped, given back


def corpus_dir() -> Path:
    env = os.environ.get("SHOEBOX_CORPUS")
    if env:
        return Path(env)
    near = [base / "shared" / "corpus" for base in (REPO.parent, REPO.parent.parent)]
    return next((p for p in near if p.is_dir()), near[0])


def work_folder(pictures: Path, corpus: Path, tmp: Path) -> dict[str, dict]:
    """The judged pictures (linked) and the corpus photos reduced to 1600 px, in ``tmp``,
    with their truth (the corpus photos: no words, kind `VIEWER_KIND`)."""
    from PIL import Image, ImageOps

    truth: dict[str, dict] = json.loads((pictures / "truth.json").read_text())
    for name in truth:
        (tmp / name).symlink_to((pictures / name).resolve())
    missing = [rel for rel in VIEWER_PHOTOS if not (corpus / rel).is_file()]
    if missing:
        print(f"no 1600 px photos: {corpus} lacks {missing[0]}", file=sys.stderr)
        return truth
    for rel in VIEWER_PHOTOS:
        with Image.open(corpus / rel) as image:
            image.draft("RGB", (1600, 1600))
            photo = ImageOps.exif_transpose(image).convert("RGB")
        photo.thumbnail((1600, 1600), Image.Resampling.LANCZOS)
        name = f"viewer-{Path(rel).stem}.jpg"
        photo.save(tmp / name, quality=88)
        truth[name] = {"kind": VIEWER_KIND, "words": [], "description": rel}
    (tmp / "truth.json").write_text(json.dumps(truth, ensure_ascii=False))
    return truth


def available(engine: str) -> str | None:
    """None when ``engine`` can run here, else why not."""
    if engine == "rapidocr":
        probe = subprocess.run(
            [sys.executable, "-c", "import rapidocr, onnxruntime"], capture_output=True
        )
        return None if probe.returncode == 0 else "rapidocr/onnxruntime not installed"
    if engine == "tesseract":
        if not shutil.which("tesseract"):
            return (
                "the tesseract command is not installed (Debian: tesseract-ocr "
                "tesseract-ocr-eng tesseract-ocr-rus tesseract-ocr-ell tesseract-ocr-chi-sim)"
            )
        return None if tesseract_langs() else "no Tesseract language data installed"
    return f"unknown engine {engine!r}"


def settings_of(engines: list[str], sides: list[int], psms: list[str]) -> list[str]:
    """The engine settings to run, in the order they are printed."""
    out: list[str] = []
    for engine in engines:
        why = available(engine)
        if why:
            print(f"skipped {engine}: {why}", file=sys.stderr)
            continue
        if engine == "rapidocr":
            out += [f"rapidocr-{side}" for side in sides]
            out += [f"rapidocr-{sides[0]}-nocls", f"rapidocr-{sides[0]}-mmap"]
            out += [f"det-{side}" for side in sides]
        else:
            out += [f"tesseract-psm{psm}" for psm in psms]
    return out


@dataclass
class Outcome:
    """One setting's run and its tallies (by kind, overall) at a score cut."""

    setting: str
    raw: dict[str, Any]
    wall_s: float
    by_kind: dict[str, Tally] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)


def judge(outcome: Outcome, truth: dict[str, dict], cut: float, partial: set[str]) -> None:
    """Tally ``outcome`` at score ``cut``; kinds in ``partial`` (their truth lists only some
    of the words shown) count for recall, not for the overall precision."""
    outcome.by_kind, outcome.overall = {}, Tally()
    for name, t in truth.items():
        lines = outcome.raw["pictures"][name]["lines"]
        text = "\n".join(line for line, score in lines if score >= cut)
        outcome.by_kind.setdefault(t["kind"], Tally()).add(t["words"], text)
        if t["kind"] == VIEWER_KIND:
            continue
        if t["kind"] in partial:
            part = Tally()
            part.add(t["words"], text)
            outcome.overall.expected += part.expected
            outcome.overall.recalled += part.recalled
        else:
            outcome.overall.add(t["words"], text)


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def ms_of(outcome: Outcome, names: list[str]) -> str:
    values = [outcome.raw["pictures"][n]["ms"] for n in names]
    return f"{statistics.median(values):.0f}" if values else "-"


def label(setting: str, cut: float | None) -> str:
    return setting if cut is None else f"{setting} @{cut}"


def report(outcomes: list[Outcome], truth: dict[str, dict], runs: int, partial: set[str]) -> None:
    """Print the Markdown tables: overall, by kind, detection alone."""
    judged = {n: t for n, t in truth.items() if t["kind"] != VIEWER_KIND}
    with_text = [n for n, t in judged.items() if t["words"]]
    without = [n for n, t in judged.items() if not t["words"]]
    viewer = [n for n, t in truth.items() if t["kind"] == VIEWER_KIND]
    kinds = sorted({t["kind"] for t in judged.values() if t["words"]})
    columns: list[tuple[Outcome, float | None]] = []
    for o in outcomes:
        if o.setting.startswith("rapidocr"):
            columns += [(o, cut) for cut in SCORE_CUTS]
        elif o.setting.startswith("tesseract"):
            columns.append((o, None))

    expected = sum(len(tokens(" ".join(judged[n]["words"]))) for n in with_text)
    print(
        f"\n{len(with_text)} judged pictures with text ({expected} expected words), "
        f"{len(without)} without; {len(viewer)} corpus photos without text at 1600 px; "
        f"runs={runs}. Precision leaves out the kinds whose truth lists only some of the "
        f"words shown: {', '.join(sorted(partial)) or 'none'}.\n"
    )
    print(
        "| setting | word recall | word precision | words invented: judged no-text "
        "| words invented: 1600 px photos | ms/photo with text | ms/photo without text "
        "(judged, small) | ms/photo, 1600 px photos | first call s | peak RSS MB | wall s |"
    )
    print("| --- |" + " ---: |" * 10)
    for o, cut in columns:
        judge(o, truth, cut if cut is not None else 0.0, partial)
        t = o.overall
        v = o.by_kind.get(VIEWER_KIND, Tally())
        print(
            f"| {label(o.setting, cut)} | {pct(t.recall)} ({t.recalled}/{t.expected}) "
            f"| {pct(t.precision)} ({t.right}/{t.found}) "
            f"| {t.invented} on {t.invented_on}/{t.no_text} "
            f"| {v.invented} on {v.invented_on}/{v.no_text} "
            f"| {ms_of(o, with_text)} | {ms_of(o, without)} | {ms_of(o, viewer)} "
            f"| {o.raw['init_s']:.2f} | {o.raw['peak_mb']:.0f} | {o.wall_s:.0f} |"
        )

    for title, attr in (("Word recall", "recall"), ("Word precision", "precision")):
        print(f"\n{title} by kind:\n")
        print("| kind | pictures | " + " | ".join(label(o.setting, c) for o, c in columns) + " |")
        print("| --- | ---: |" + " ---: |" * len(columns))
        cells: dict[str, list[str]] = {k: [] for k in kinds}
        for o, cut in columns:
            judge(o, truth, cut if cut is not None else 0.0, partial)
            for k in kinds:
                tally = o.by_kind[k]
                count = (
                    f"{tally.recalled}/{tally.expected}"
                    if attr == "recall"
                    else f"{tally.right}/{tally.found}"
                )
                cells[k].append(f"{pct(getattr(tally, attr))} ({count})")
        for k in kinds:
            n = sum(1 for t in judged.values() if t["kind"] == k)
            print(f"| {k} | {n} | " + " | ".join(cells[k]) + " |")

    imported = [o.raw["imported_mb"] for o in outcomes if "imported_mb" in o.raw]
    print(
        "\nfirst call s: engine made and its first picture read (the models load then). "
        "peak RSS: the child's VmHWM (rapidocr), the largest tesseract process (Tesseract)."
    )
    if imported:
        print(f"A rapidocr child with the library imported, no model yet: {max(imported):.0f} MB.")
    print(f"-mmap: the child runs with {' '.join(f'{k}={v}' for k, v in MMAP_ENV.items())}.")
    langs = {o.raw["langs"] for o in outcomes if "langs" in o.raw}
    if langs:
        print(f"Tesseract: one process per picture, -l {', '.join(sorted(langs))}.")

    detectors = [o for o in outcomes if o.setting.startswith("det-")]
    if detectors:
        print("\nDetection alone (no direction classifier, no recognition):\n")
        print(
            "| setting | ms/photo with text | ms/photo without text (judged, small) "
            "| ms/photo, 1600 px photos | judged pictures with text where boxes were found "
            "| no-text pictures with boxes: judged | 1600 px photos | first call s "
            "| peak RSS MB |"
        )
        print("| --- |" + " ---: |" * 8)
        for o in detectors:
            pics = o.raw["pictures"]
            hit = sum(1 for n in with_text if pics[n]["boxes"])
            false = sum(1 for n in without if pics[n]["boxes"])
            false_v = sum(1 for n in viewer if pics[n]["boxes"])
            print(
                f"| {o.setting} | {ms_of(o, with_text)} | {ms_of(o, without)} "
                f"| {ms_of(o, viewer)} | {hit}/{len(with_text)} | {false}/{len(without)} "
                f"| {false_v}/{len(viewer)} | {o.raw['init_s']:.2f} | {o.raw['peak_mb']:.0f} |"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="rapidocr,tesseract", help="comma-separated")
    parser.add_argument("--runs", type=int, default=1, help="timed calls per picture")
    parser.add_argument("--sides", default="960,1600", help="rapidocr detection long sides")
    parser.add_argument("--psm", default="3,11", help="Tesseract page segmentation modes")
    parser.add_argument("--pictures", type=Path, default=PICTURES)
    parser.add_argument("--corpus", type=Path, default=None, help="for the 1600 px photos")
    parser.add_argument("--partial", default="real", help="kinds whose truth lists only some words")
    parser.add_argument("--json", type=Path, help="also write every setting's raw lines here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.pictures, args.runs)

    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    sides = [int(s) for s in args.sides.split(",")]
    partial = {k for k in args.partial.split(",") if k}
    settings = settings_of(engines, sides, args.psm.split(","))
    if not settings:
        print("no engine to measure", file=sys.stderr)
        return 1
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="bench-text-") as tmp:
        truth = work_folder(args.pictures, args.corpus or corpus_dir(), Path(tmp))
        for setting in settings:
            env = dict(os.environ, **(MMAP_ENV if setting.endswith("-mmap") else {}))
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, __file__, "--child", setting.removesuffix("-mmap"),
                 "--pictures", tmp, "--runs", str(args.runs)],
                capture_output=True, text=True, check=False, env=env,
            )  # fmt: skip
            wall = time.perf_counter() - start
            if proc.returncode != 0:
                print(f"{setting} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            outcomes.append(Outcome(setting, json.loads(proc.stdout.splitlines()[-1]), wall))
            print(f"{setting}: {wall:.0f} s", file=sys.stderr, flush=True)
    if args.json:
        args.json.write_text(
            json.dumps({o.setting: o.raw for o in outcomes}, ensure_ascii=False, indent=1)
        )
    report(outcomes, truth, args.runs, partial)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
