"""The on-disk layout of one library: catalog, originals, thumbnail cache, backups."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def default_catalog_url(path: Path) -> str:
    """The URL of a catalogue kept in the SQLite file ``path``."""
    return f"sqlite:///{Path(path).absolute()}"


@dataclass(frozen=True)
class Library:
    """Paths inside a library root. Nothing here touches the disk except :meth:`ensure`."""

    root: Path
    # the `catalog_url` setting; empty: the SQLite file catalog.db in the library
    configured_catalog: str = ""

    @property
    def catalog_path(self) -> Path:
        """The SQLite catalogue's file (unused with a PostgreSQL ``catalog_url``)."""
        return self.root / "catalog.db"

    @property
    def catalog_url(self) -> str:
        return self.configured_catalog or default_catalog_url(self.catalog_path)

    @property
    def catalog_on_server(self) -> bool:
        """Is the catalogue on a database server (nothing to find or back up as a file)?"""
        return not self.catalog_url.startswith("sqlite:")

    def catalog_exists(self) -> bool:
        """Is there a catalogue to open? (A server's is assumed there; opening tells.)"""
        return self.catalog_on_server or self.catalog_path.exists()

    @property
    def originals(self) -> Path:
        return self.root / "originals"

    @property
    def incoming(self) -> Path:
        """Verified copies waiting for their final name (same filesystem as originals)."""
        return self.originals / ".incoming"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def staging(self) -> Path:
        """Downloads from cameras (PTP) waiting to be imported; on the library's disk."""
        return self.root / "staging"

    @property
    def uploads(self) -> Path:
        """Files uploaded from a browser, each waiting for its import job (library's disk)."""
        return self.root / "uploads"

    @property
    def sidecars(self) -> Path:
        """XMP sidecars of files catalogued in place (index): a mirror of their paths."""
        return self.root / "sidecars"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    def mirror_sidecar(self, path: str | Path) -> Path:
        """The mirror-tree sidecar of a file catalogued in place at ``path``."""
        absolute = Path(path).absolute()
        relative = absolute.relative_to(absolute.anchor)
        return self.sidecars / relative.with_name(relative.name + ".xmp")

    def ensure(self) -> Library:
        for folder in (self.root, self.originals, self.incoming, self.cache, self.backups):
            folder.mkdir(parents=True, exist_ok=True)
        return self
