"""A share link's ``download.zip`` for many visitors at once: disk written and time.

Builds a library whose album holds ``--photos`` generated JPEGs of ~3.5 MB each (noise,
so they do not compress; imported by the real pipeline, vision off), shares it with
downloads allowed, and serves the real app with waitress (the service's thread count).
``--visitors`` clients then download the zip at the same moment, each reading as fast
as it can, while a sampler reads the space used on ``cache/``, which is a tmpfs of its
own for the run (root only), every 5 ms; and on the temporary folder, also a tmpfs of its
own, where waitress spills a connection's output beyond 1 MB (at most its 16 MB high
watermark per connection before the app thread waits).

Baseline in the same run: the route as it was before issue 28 (the whole zip written to
a temporary file under ``cache/``, then sent), served by the same app at another path.

    .venv/bin/python bench/bench_share_zip.py [--photos 20] [--visitors 12]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import requests
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import abort, current_app, send_file  # noqa: E402

from appliance.catalog.albums import (  # noqa: E402
    active_share,
    create_album,
    create_share,
    shared_files,
)
from appliance.catalog.photos import shareable  # noqa: E402
from appliance.config import Settings  # noqa: E402
from appliance.ingest.runner import Ingestor  # noqa: E402
from appliance.library import Library  # noqa: E402
from appliance.originals import original_path  # noqa: E402
from appliance.records import FileTask  # noqa: E402
from appliance.web import create_app  # noqa: E402
from appliance.web.security import public  # noqa: E402
from tests.e2e.browsers import serve  # noqa: E402


def make_photos(folder: Path, count: int) -> list[Path]:
    """``count`` distinct 2400x1600 noise JPEGs (~3.5 MB each at quality 92)."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(28)
    paths = []
    for i in range(count):
        pixels = rng.integers(0, 256, (1600, 2400, 3), dtype=np.uint8)
        path = folder / f"photo-{i:03d}.jpg"
        Image.fromarray(pixels).save(path, quality=92)
        paths.append(path)
    return paths


def spooled_download(token: str) -> Any:
    """The baseline: the share zip as main built it before issue 28 (spooled in cache/)."""
    share = active_share(token)
    if share is None:
        abort(404)
    library = current_app.config["SHOEBOX_LIBRARY"]
    spool = tempfile.TemporaryFile(dir=library.cache)  # noqa: SIM115 - send_file closes it
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for file in shared_files(share.album_id, shareable()):
            archive.write(original_path(library, file), str(file.original_name))
    spool.seek(0)
    return send_file(spool, mimetype="application/zip", as_attachment=True, download_name="a.zip")


class CacheSampler(threading.Thread):
    """The peak of bytes used on the cache's filesystem above its level at the start."""

    def __init__(self, folder: Path) -> None:
        super().__init__(daemon=True)
        self.folder, self.stop, self.peak = folder, threading.Event(), 0
        self.start_used = self.used()

    def used(self) -> int:
        st = os.statvfs(self.folder)
        return (st.f_blocks - st.f_bfree) * st.f_frsize

    def run(self) -> None:
        while not self.stop.wait(0.005):
            self.peak = max(self.peak, self.used() - self.start_used)


def download_all(url: str, visitors: int) -> tuple[float, list[bytes]]:
    """Seconds until every visitor has the whole zip, and the zips."""
    barrier = threading.Barrier(visitors)
    bodies: list[bytes] = [b""] * visitors

    def visit(i: int) -> None:
        barrier.wait()
        with requests.get(url, stream=True, timeout=600) as response:
            response.raise_for_status()
            bodies[i] = b"".join(response.iter_content(256 * 1024))

    threads = [threading.Thread(target=visit, args=(i,)) for i in range(visitors)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - t0, bodies


def measure(url: str, cache: Path, spill: Path, visitors: int) -> dict[str, float]:
    sampler, spilled = CacheSampler(cache), CacheSampler(spill)
    sampler.start()
    spilled.start()
    seconds, bodies = download_all(url, visitors)
    for each in (sampler, spilled):
        each.stop.set()
        each.join()
    sizes = {len(b) for b in bodies}
    assert len(sizes) == 1, f"visitors got different zips: {sizes}"
    with zipfile.ZipFile(io.BytesIO(bodies[0])) as archive:
        assert archive.testzip() is None
    size = sizes.pop()
    return {
        "zip_mb": size / 1e6,
        "seconds": seconds,
        "mb_s": size * visitors / 1e6 / seconds,
        "cache_peak_mb": sampler.peak / 1e6,
        "spill_peak_mb": spilled.peak / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--visitors", type=int, default=12)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: cache/ is a tmpfs of its own for the measurement")
    work = Path(tempfile.mkdtemp(prefix="shoebox-bench-zip-"))
    root = work / "library"
    settings = Settings(
        library=root, setup_file=root / "none.toml", workers=1, labels=False, faces=False
    )
    cache = Library(root).ensure().cache
    spill = work / "tmp"
    spill.mkdir()
    mounted: list[Path] = []
    try:
        photos = make_photos(work / "card", args.photos)
        with Ingestor(settings) as ingestor:
            outcomes = ingestor.process([FileTask(p, "import", "copy") for p in photos])
        ids = [o.photo_id for o in outcomes if o.status == "added" and o.photo_id]
        assert len(ids) == len(photos), [o.error for o in outcomes if o.status != "added"]
        album = create_album("Holiday", None, ids)
        token = create_share(album.id, allow_download=True).token
        for path in list(cache.iterdir()):  # the thumbnails are not needed for a zip
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        for folder in (cache, spill):
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=4g", "tmpfs", str(folder)], check=True
            )
            mounted.append(folder)
        tempfile.tempdir = str(spill)  # waitress's spilled output buffers go there
        app = create_app(settings, Library(root))
        app.add_url_rule("/bench/<token>/spooled.zip", view_func=public(spooled_download))
        results: dict[str, dict[str, float]] = {}

        def run(base: str) -> None:
            results["baseline: spooled in cache/ (main before issue 28)"] = measure(
                f"{base}/bench/{token}/spooled.zip", cache, spill, args.visitors
            )
            results["streamed (download.zip now)"] = measure(
                f"{base}/s/{token}/download.zip", cache, spill, args.visitors
            )

        with serve(app) as base:  # the tests' waitress server (the service's thread count)
            run(base)
        print(f"{args.visitors} visitors at once, album of {len(ids)} photos;", end=" ")
        print(f"load average {os.getloadavg()[0]:.2f}")
        print(
            "| variant | zip MB | all done s | MB/s (all visitors) | peak MB in cache/"
            " | peak MB spilled by waitress |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, r in results.items():
            print(
                f"| {name} | {r['zip_mb']:.1f} | {r['seconds']:.2f} | {r['mb_s']:.0f} |"
                f" {r['cache_peak_mb']:.1f} | {r['spill_peak_mb']:.1f} |"
            )
    finally:
        tempfile.tempdir = None
        for folder in mounted:
            subprocess.run(["umount", "--lazy", str(folder)], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
