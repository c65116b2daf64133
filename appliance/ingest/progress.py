"""Progress of a long run: a bar on a terminal, plain lines in logs."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import TextIO

from appliance.records import Outcome


class Progress:
    """Counts outcomes and shows count, rate and ETA."""

    def __init__(self, total: int, stream: TextIO | None = None, every: float = 5.0) -> None:
        self.total, self.stream, self.every = total, stream or sys.stderr, every
        self.counts: Counter[str] = Counter()
        self.done = 0
        self.started = self.last = time.monotonic()
        self.bar = None
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="file", file=self.stream, dynamic_ncols=True)

    def __call__(self, outcome: Outcome) -> None:
        self.done += 1
        self.counts[outcome.status] += 1
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(self._summary(), refresh=False)
            return
        now = time.monotonic()
        if now - self.last >= self.every or self.done == self.total:
            self.last = now
            print(self.line(), file=self.stream, flush=True)

    @property
    def rate(self) -> float:
        return self.done / max(time.monotonic() - self.started, 1e-9)

    def _summary(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))

    def line(self) -> str:
        rate = self.rate
        eta = (self.total - self.done) / rate if rate > 0 else float("inf")
        eta_text = f"{eta:.0f} s" if eta != float("inf") else "?"
        return (
            f"{self.done}/{self.total} files, {rate:.1f} files/s, ETA {eta_text} "
            f"({self._summary()})"
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
