"""Settings the admin changes in the web UI, kept in the catalogue's ``setting`` table.

``share_base_url``: the address share links are built on (``https://photos.example.org``),
so a link works from outside the home even when the admin opened the UI as
``http://192.168.1.20:8080``. Empty: links use the address the page was opened with.

``timeline_hides_screenshots`` (off) and ``memories_hide_screenshots`` (on): screenshots
and photographed documents (`appliance.text.kinds`) are left out of the timeline / the
memories; search still finds them (``type:screenshot``, their words).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from appliance.catalog.models import Setting

SHARE_BASE_URL = "share_base_url"
MAX_URL = 500


class SettingError(ValueError):
    """A setting value that cannot be used; the message says why."""


def _get(key: str) -> str | None:
    row = Setting.get_or_none(Setting.key == key)
    return row.value if row else None


def _put(key: str, value: str | None) -> None:
    if value is None:
        Setting.delete().where(Setting.key == key).execute()
        return
    Setting.insert(key=key, value=value).on_conflict(
        conflict_target=[Setting.key], update={Setting.value: value}
    ).execute()


def share_base_url() -> str | None:
    return _get(SHARE_BASE_URL)


def set_share_base_url(url: str | None) -> str | None:
    """Store the share-link address (http or https, host, optional port and path; no query
    or fragment); empty or None clears it. Returns what is stored (no trailing slash)."""
    if url is None or not str(url).strip():
        _put(SHARE_BASE_URL, None)
        return None
    url = str(url).strip()
    if len(url) > MAX_URL:
        raise SettingError(f"the address is too long (at most {MAX_URL} characters)")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise SettingError(f"not a usable address: {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingError("the address must start with http:// or https:// and name a host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise SettingError("the address may not have a query, a fragment or a user name")
    if any(c.isspace() for c in url):
        raise SettingError("the address may not contain spaces")
    clean = url.rstrip("/")
    _put(SHARE_BASE_URL, clean)
    return clean


TIMELINE_HIDES_SCREENSHOTS = "timeline_hides_screenshots"
MEMORIES_HIDE_SCREENSHOTS = "memories_hide_screenshots"
SCREENSHOT_DEFAULTS = {TIMELINE_HIDES_SCREENSHOTS: False, MEMORIES_HIDE_SCREENSHOTS: True}


def hides_screenshots(key: str) -> bool:
    """Whether the timeline (`TIMELINE_HIDES_SCREENSHOTS`) or the memories
    (`MEMORIES_HIDE_SCREENSHOTS`) leave screenshots and documents out."""
    value = _get(key)
    return SCREENSHOT_DEFAULTS[key] if value is None else value == "1"


def set_hides_screenshots(key: str, hide: bool) -> None:
    if key not in SCREENSHOT_DEFAULTS:
        raise SettingError(f"unknown setting {key!r}")
    _put(key, "1" if hide else "0")
