"""Settings: defaults < TOML file < SHOEBOX_* environment < command-line flags.

One :class:`Settings` object is built once at start-up (:func:`load_settings`) and passed
down; nothing else reads the environment or the config file.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

ENV_PREFIX = "SHOEBOX_"
# The appliance's settings (image-build/install.sh): used when neither --config nor
# $SHOEBOX_CONFIG names a file, so `shoebox status` works from any shell on the box.
# SHOEBOX_CONFIG="" (empty) means "no file at all".
DEFAULT_CONFIG = Path("/etc/shoebox/shoebox.toml")


def _default_workers() -> int:
    """Leave one core for the web UI on a multi-core Pi."""
    cores = os.cpu_count() or 1
    return max(1, cores - 1)


@dataclass
class Settings:
    """Every tunable of the appliance, with the defaults a family never needs to change."""

    library: Path = Path("./var")
    # The library is on a removable disk mounted at ``library``: wait for it, never create or
    # serve a library in the empty mount point (install.sh --library-disk).
    library_disk: bool = False
    # Where the catalogue lives: empty = sqlite:///<library>/catalog.db; a
    # postgresql://user:password@host/name URL shares it with `shoebox worker` machines.
    catalog_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8080
    inboxes: list[Path] = field(default_factory=list)
    poll_inboxes: list[Path] = field(default_factory=list)
    web: bool = True
    workers: int = field(default_factory=_default_workers)
    per_file_timeout: float = 120.0
    settle_seconds: float = 2.0
    accelerator: str = "auto"
    threads: int = 0
    labels: bool = True
    faces: bool = True
    # Text in pictures (signs, receipts, screenshots) read in idle time, for search
    text: bool = True
    max_pixels: int = 256_000_000
    secret_key: str = ""
    # First-run seed (TOML: username, password) on the boot partition, consumed on start.
    setup_file: Path = Path("/boot/firmware/shoebox-setup.toml")
    log_level: str = "INFO"
    # Largest file the browser upload accepts, in MiB (a phone's long video fits).
    upload_max_mb: int = 2048
    # Library backups (`shoebox library-backup`): where targets, keys and their state are
    # kept. Empty: /var/lib/shoebox/library-backup on the appliance (the SD card, so the
    # keys survive the library disk), else <library>/.library-backup/state.
    backup_state: Path = Path("")
    # The camera share's account requests and state (the root helper reads and writes
    # them there: systemd/shoebox-camera-share-apply). Empty: /var/lib/shoebox/camera-share
    # on the appliance, else <library>/.camera-share (no Samba there to apply them).
    camera_share: Path = Path("")
    # HTTPS (the appliance): the folder of the box's certificates, made by `shoebox
    # certificate` and served by nginx on port 443; the Phones page offers the authority.
    # Empty: no HTTPS (`make run`).
    https_certificates: Path = Path("")
    # The proxy in front of the web UI whose X-Forwarded-For/-Proto are believed (nginx,
    # for HTTPS); requests from anywhere else have those headers removed.
    trusted_proxy: str = "127.0.0.1"
    # Where the web UI looks for Google Takeout and iCloud exports an admin can bring home
    # (Settings > Moving in): the plugged drives' mount points and server folders.
    export_folders: list[Path] = field(
        default_factory=lambda: [Path("/media"), Path("/mnt"), Path("/run/media")]
    )

    @property
    def library_root(self) -> Path:
        return Path(self.library).expanduser().resolve()

    @property
    def backup_state_dir(self) -> Path:
        """Where library-backup targets, keys and results are kept."""
        return self._state_folder(self.backup_state, "library-backup", ".library-backup/state")

    @property
    def camera_share_dir(self) -> Path:
        """Where the camera share's account requests and state are kept."""
        return self._state_folder(self.camera_share, "camera-share", ".camera-share")

    def _state_folder(self, configured: Path, on_appliance: str, in_library: str) -> Path:
        """The configured folder; else ``/var/lib/shoebox/<on_appliance>`` on the appliance
        (the SD card: it survives the library disk); else ``<library>/<in_library>``."""
        if str(configured) not in ("", "."):
            return Path(configured).expanduser().resolve()
        appliance = Path("/var/lib/shoebox")
        if appliance.is_dir() and os.access(appliance, os.W_OK):
            return appliance / on_appliance
        return self.library_root / in_library


class ConfigError(ValueError):
    """A setting has a value that cannot be used."""


def _coerce(name: str, kind: Any, value: Any) -> Any:
    """Turn a TOML or environment value into the type the field declares."""
    text = isinstance(value, str)
    try:
        if kind is bool:
            if text:
                lowered = value.strip().lower()
                if lowered in ("1", "true", "yes", "on"):
                    return True
                if lowered in ("0", "false", "no", "off", ""):
                    return False
                raise ValueError(value)
            return bool(value)
        if kind is int:
            return int(value)
        if kind is float:
            return float(value)
        if kind is Path:
            return Path(value)
        if kind == list[Path]:
            items = value.split(os.pathsep) if text else list(value)
            return [Path(item) for item in items if str(item)]
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name!r}: cannot use {value!r} ({exc})") from exc


def _apply(settings: Settings, values: dict[str, Any], origin: str) -> None:
    hints = get_type_hints(Settings)
    for key, value in values.items():
        name = key.replace("-", "_")
        if name not in hints:
            raise ConfigError(f"{origin}: unknown setting {key!r}")
        setattr(settings, name, _coerce(name, hints[name], value))


def default_config_file(environ: dict[str, str], default: Path = DEFAULT_CONFIG) -> Path | None:
    """$SHOEBOX_CONFIG when set (empty: none), else the appliance's file when it exists."""
    if "SHOEBOX_CONFIG" in environ:
        return Path(environ["SHOEBOX_CONFIG"]) if environ["SHOEBOX_CONFIG"] else None
    return default if default.is_file() else None


def load_settings(
    config_file: Path | None = None,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Build the settings from every layer, later layers winning.

    ``config_file`` defaults to $SHOEBOX_CONFIG, else /etc/shoebox/shoebox.toml when it
    exists; ``overrides`` are command-line flags that
    were given (None values are ignored).
    """
    environ = dict(os.environ if environ is None else environ)
    settings = Settings()
    config_file = config_file or default_config_file(environ)
    if config_file is not None:
        try:
            data = tomllib.loads(Path(config_file).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"config file {config_file}: {exc}") from exc
        _apply(settings, data.get("shoebox", data), f"config file {config_file}")
    names = {f.name for f in dataclasses.fields(Settings)}
    from_env = {
        key[len(ENV_PREFIX) :].lower(): value
        for key, value in environ.items()
        if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX) :].lower() in names
    }
    _apply(settings, from_env, "environment")
    _apply(settings, {k: v for k, v in (overrides or {}).items() if v is not None}, "flags")
    return settings
