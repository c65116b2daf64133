"""Decode one file as a worker would and report this process's own peak memory.

    python -m appliance.media.decode_probe FILE   ->  {"peak_mb": N, "result": "..."}

Run in a fresh process (the memory-guard tests and scripts/redteam.py do), so the peak is
the decode's alone: VmHWM, not ru_maxrss, which carries a parent's peak across fork/exec.
"""

from __future__ import annotations

import json
import sys

from appliance.media.decode import RenderError, set_pixel_limit
from appliance.media.render import render
from appliance.media.sniff import sniff

WORKER_PIXEL_LIMIT = 256_000_000  # the default max_pixels setting


def main(path: str) -> dict:
    set_pixel_limit(WORKER_PIXEL_LIMIT)
    try:
        render(path, sniff(path).mime)
        result = "decoded"
    except RenderError as exc:
        result = str(exc)
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
    return {"peak_mb": peak // 1024, "result": result}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
