"""Which JSON file of a Google Takeout describes which photo or video.

Google writes ``NAME.json`` (older exports) or ``NAME.supplemental-metadata.json`` beside
each file, with quirks every Takeout tool has met (read from their public issues; the code
is ours):

- the JSON's name is cut to 51 characters with ``.json`` (46 before it): ``a-very-long-
  name.jp.json``, ``IMG_1234.JPG.supplemental-me.json``;
- a repeated name gets a counter that sits on the photo before the extension
  (``IMG_1234(1).JPG``) but on the JSON after it (``IMG_1234.JPG(1).json``,
  ``IMG_1234.JPG.supplemental-metadata(1).json``);
- an edited copy (``IMG_1234-edited.JPG``, or the word in the export's language) has no
  JSON of its own: it shares its original's;
- the movie of a Live Photo or motion photo (``IMG_1234.MOV`` beside ``IMG_1234.HEIC``)
  usually has none: it shares its still's;
- very old exports name it ``IMG_1234.json`` (without the photo's extension);
- a JSON may be in another part of a multi-part export than its photo (matching works on
  the folder path, whatever the archive).

Matching is by folder: only a JSON in the photo's own folder is considered.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

MAX_STEM = 46  # the JSON's name before ".json" is cut to this many characters
SUPPLEMENTAL = ".supplemental-metadata"
# "-edited" in the languages Google Photos exports in (the suffix of an edited copy)
EDITED = (
    "-edited",
    "-bearbeitet",
    "-modifié",
    "-modificato",
    "-editado",
    "-editada",
    "-bewerkt",
    "-redigeret",
    "-redigert",
    "-redigerad",
    "-muokattu",
    "-edytowane",
    "-upraveno",
    "-szerkesztett",
    "-editat",
    "-düzenlendi",
    "-編集済み",
    "-已编辑",
    "-편집됨",
)
MOVIE_SUFFIXES = (".mov", ".mp4", ".m4v", ".mp", "")  # Pixel: ".MP", or none
_COUNTER = re.compile(r"^(?P<stem>.*)\((?P<n>\d+)\)(?P<ext>\.[^.]*)?$")
_JSON_COUNTER = re.compile(r"^(?P<base>.*)\((?P<n>\d+)\)$")


def _cut(name: str) -> str:
    return name[:MAX_STEM]


def _json_names(name: str) -> list[str]:
    """The JSON names Google may have given a file called ``name`` (in order of trust)."""
    names: list[str] = []
    counted = _COUNTER.match(name)
    if counted:  # IMG(1).JPG -> IMG.JPG(1).json, IMG.JPG.supplemental-metadata(1).json
        base = counted["stem"] + (counted["ext"] or "")
        n = counted["n"]
        for stem in (base + SUPPLEMENTAL, base):
            names.append(f"{_cut(stem)}({n}).json")
            names.append(f"{stem[: MAX_STEM - len(n) - 2]}({n}).json")
    for stem in (name + SUPPLEMENTAL, name):
        names.append(_cut(stem) + ".json")
    stem, dot, _ = name.rpartition(".")
    if dot:
        names.append(_cut(stem) + ".json")  # very old exports: IMG_1234.json
    return list(dict.fromkeys(names))


def unedited(name: str) -> str | None:
    """``IMG_1234.JPG`` for ``IMG_1234-edited.JPG`` (any language), else None."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    lowered = stem.lower()
    for suffix in EDITED:
        if lowered.endswith(suffix):
            original = stem[: -len(suffix)]
            return f"{original}.{ext}" if dot else original
    return None


def _still_of(folder: str, name: str, media_paths: list[str]) -> list[str]:
    """The stills a movie may belong to (a Live Photo's or motion photo's movie), from the
    sorted media paths of its folder: they start with the movie's stem and a dot (looked up
    by bisection: a year folder may hold tens of thousands of Live Photos)."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if "." + ext.lower() not in MOVIE_SUFFIXES and ext:
        return []
    stills: list[str] = []
    start = _join(folder, stem + ".")
    skip = len(start) - len(stem) - 1  # the folder and its slash
    for index in range(bisect.bisect_left(media_paths, start), len(media_paths)):
        if not media_paths[index].startswith(start):
            break
        other = media_paths[index][skip:]
        if other != name and other.rpartition(".")[0] in (stem, stem + ".MP", stem + ".mp"):
            stills.append(other)
    return stills


class Matcher:
    """Every JSON and media path of an export; ``json_for(media path)`` -> JSON path or None.

    It holds the path strings it is given, not copies of their parts (a big Takeout has
    some 300,000 of them), and hands back the JSON path it was given."""

    def __init__(self, json_paths: Iterable[str], media_paths: Iterable[str]) -> None:
        self.jsons: dict[str, str] = {path: path for path in json_paths}
        self.media_by_folder: dict[str, list[str]] = {}  # sorted, for `_still_of`
        for path in media_paths:
            self.media_by_folder.setdefault(_split(path)[0], []).append(path)
        for paths in self.media_by_folder.values():
            paths.sort()

    def json_for(self, media_path: str) -> str | None:
        folder, name = _split(media_path)
        found = self._direct(folder, name)
        if found is None:
            original = unedited(name)
            if original is not None:
                found = self._direct(folder, original)
        if found is None:
            for still in _still_of(folder, name, self.media_by_folder.get(folder, [])):
                found = self._direct(folder, still)
                if found is not None:
                    break
        return found

    def _direct(self, folder: str, name: str) -> str | None:
        for candidate in _json_names(name):
            found = self.jsons.get(_join(folder, candidate))
            if found is not None and candidate != "metadata.json":
                return found
        return self._prefix(folder, name)

    def _prefix(self, folder: str, name: str) -> str | None:
        """A JSON whose name is a cut of ``name.supplemental-metadata`` at another length
        than 46 (seen: 47-51 with short extensions); only when exactly one fits. Each cut
        of at least 20 characters (or the whole name) is looked up, not every JSON of the
        folder scanned."""
        full = name + SUPPLEMENTAL
        fits = []
        for length in range(min(len(name), 20), len(full) + 1):
            json = full[:length] + ".json"
            if json == "metadata.json" or _JSON_COUNTER.match(json[:-5]):
                continue
            found = self.jsons.get(_join(folder, json))
            if found is not None:
                fits.append(found)
        return fits[0] if len(fits) == 1 else None


def _split(path: str) -> tuple[str, str]:
    """(folder, name) of a member path, as plain string slices (PurePosixPath would intern
    every part of some 300,000 names: a table that never shrinks)."""
    folder, _, name = path.rpartition("/")
    return folder, name


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name
