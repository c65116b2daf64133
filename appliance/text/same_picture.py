"""Whether two readings can be of one picture (a pure module).

The stacker links pictures whose perceptual hashes are close. A 64-bit hash of a flat
screen or a white page says little: two screenshots of one app (another chat, another
ticket) or two receipts hash within a few bits of each other and were stacked as one
picture, hiding all but one. Their text tells them apart: a screenshot or a document whose
words differ from another's (:func:`differ`) is another picture. Photos that are neither
keep the stacker's answer: a burst of a street sign reads differently from frame to frame.
"""

from __future__ import annotations

from appliance.text import kinds, words

SAME_WORDS = 0.5  # share of words two readings of one picture have in common, at least
MIN_WORDS = 3  # fewer words than this (on both) say too little to tell pictures apart


def differ(kind: str | None, text: str, other_kind: str | None, other_text: str) -> bool:
    """Whether two read pictures, one a screenshot or a document, say different things
    (fewer than half their words in common)."""
    if kind not in kinds.KINDS and other_kind not in kinds.KINDS:
        return False
    mine, theirs = set(words.words(text)), set(words.words(other_text))
    if len(mine) < MIN_WORDS and len(theirs) < MIN_WORDS:
        return False
    return len(mine & theirs) < SAME_WORDS * len(mine | theirs)
