"""The records that travel through the pipeline: a task in, an analysis back, an outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

# index: catalog in place; copy/move: into originals/; adopt: a file already under
# originals/ (rebuild), catalogued where it is as the library's own copy
Policy = Literal["index", "copy", "move", "adopt"]
# policies that catalogue a file where it is (its library location is its own path)
IN_PLACE_POLICIES: tuple[Policy, ...] = ("index", "adopt")
# restored: content of a photo in the trash was brought in again by a move (an inbox file,
# an upload, `import --move`): the photo comes back from the trash rather than the only
# live copy being deleted as a duplicate of a photo on its way out
Status = Literal["added", "duplicate", "restored", "unchanged", "failed"]


@dataclass(frozen=True)
class Label:
    """One label of a photo: name, confidence 0..1 and parent categories (made by the
    classifier's rules, `vision.label_rules`, or by the text reading, `text.labels`)."""

    name: str
    confidence: float
    categories: tuple[str, ...] = ()


@dataclass(slots=True)
class ExportFacts:
    """What another photo service kept beside a file (a Takeout JSON, an iCloud CSV row),
    laid over the file's own metadata as it is read (`ingest.export_facts`)."""

    taken_at: datetime | None = None  # UTC, naive
    latitude: float | None = None
    longitude: float | None = None
    description: str | None = None
    favorite: bool = False


@dataclass(frozen=True)
class FileTask:
    """One file to bring into the catalog, and what may be done to its source."""

    path: Path
    source: str = "index"  # index | import | inbox | volume
    policy: Policy = "index"  # index: catalog in place; copy; move: delete after commit
    volume_uuid: str | None = None
    job_id: int | None = None
    time_factor: float = 1.0  # times per_file_timeout; grows for a file that timed out
    owner_id: int | None = None  # the member who sent it (uploads, phones); None: the family
    facts: ExportFacts | None = None  # what an export said about it (`shoebox import` of one)


@dataclass
class FaceFound:
    """A face in full-size displayed-photo pixels, ready for the catalog."""

    box: tuple[float, float, float, float]
    score: float
    keypoints: list[tuple[float, float]]
    quality: float
    usable: bool
    descriptor: bytes | None

    @classmethod
    def scaled(cls, face: Any, scale: float) -> FaceFound:
        """From a detector result on a smaller image, scaled to the displayed photo."""
        return cls(
            box=tuple(v * scale for v in face.box),  # type: ignore[arg-type]
            score=float(face.score),
            keypoints=[(x * scale, y * scale) for x, y in face.keypoints],
            quality=float(face.quality),
            usable=bool(face.usable),
            descriptor=None if face.descriptor is None else face.descriptor.tobytes(),
        )


@dataclass
class Analysis:
    """Everything a worker learned about one file; crosses the process boundary."""

    task: FileTask
    size: int = 0
    mtime: float = 0.0
    sha256: str | None = None
    mime: str | None = None
    kind: str = "unknown"
    duplicate_of: int | None = None  # File id already holding this content
    metadata: Any = None  # appliance.media.metadata.Metadata
    display_size: tuple[int, int] | None = None
    video: Any = None  # appliance.media.video.VideoFacts of the movie this file plays
    motion: str | None = None  # "motion": a movie extracted from the still; "animated"
    labels: list[Any] | None = None  # appliance.vision.classifier.Label, None: not run
    faces: list[FaceFound] | None = None  # None: not run
    moments: Any = None  # appliance.moments.features.Measured (hash, quality features)
    incoming: Path | None = None  # verified copy waiting in originals/.incoming
    error: str | None = None
    transient: bool = False  # the error may go away (file locked, vanished, disk busy)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What became of a task."""

    task: FileTask
    status: Status
    photo_id: int | None = None
    file_id: int | None = None
    error: str | None = None
    transient: bool = False  # worth retrying later (the daemon backs off and retries)
