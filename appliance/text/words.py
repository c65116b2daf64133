"""Recognised text as search keys: the same folding for what is stored and what is typed.

A word is a run of letters and digits. Folding is case- and accent-insensitive (``Café``
and ``CAFE`` are ``cafe``; NFKD, combining marks dropped, ``casefold``). Each word is kept
whole and as its endings of at least `MIN_PART` characters, so a search for a part of a
word (``pass`` in ``password``, ``rose`` in ``garden-rose``) is a prefix look-up of one
index on both backends. Words in scripts written without spaces (Chinese, Japanese) keep
every ending: two characters are already a word there.
"""

from __future__ import annotations

import re
import unicodedata

MIN_PART = 4  # a part of a word shorter than this finds too much ("the", "ing")
MAX_WORD = 40  # longer runs are hashes, URLs glued together: kept whole, no endings
MAX_KEYS = 4000  # per photo: a page of small print stays bounded
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without accents: what keys are made of and queries are compared as."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", bare).casefold()


def _unspaced(word: str) -> bool:
    """Han, Hiragana, Katakana or Hangul: scripts whose words are not split by spaces."""
    return any(
        "\u3040" <= c <= "\u30ff" or "\u3400" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af"
        for c in word
    )


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return _WORD.findall(fold(text))


def min_part(word: str) -> int:
    """The shortest part of ``word`` a search may look for inside longer words."""
    return 1 if _unspaced(word) else MIN_PART


def keys(text: str) -> set[str]:
    """The index keys of a photo's text: every word, and every ending of a word at least
    as long as `min_part` (so any part of it is a prefix of one key)."""
    found: set[str] = set()
    for word in words(text):
        found.add(word)
        if len(word) <= MAX_WORD:
            shortest = min_part(word)
            found.update(word[i:] for i in range(1, len(word) - shortest + 1))
        if len(found) >= MAX_KEYS:
            break
    return found


def snippet(text: str, query: str, width: int = 60) -> str | None:
    """The line of ``text`` where the folded ``query`` first appears, cut to about
    ``width`` characters around it; None when it does not appear."""
    wanted = words(query)
    if not wanted:
        return None
    for line in text.splitlines():
        folded = fold(line)
        at = folded.find(wanted[0])
        if at < 0 or len(folded) != len(line):  # folding changed the length: whole line
            if at >= 0:
                return line.strip()[: width * 2]
            continue
        start = max(0, at - width // 2)
        end = min(len(line), at + len(wanted[0]) + width // 2)
        cut = line[start:end].strip()
        return ("…" if start else "") + cut + ("…" if end < len(line) else "")
    return None
