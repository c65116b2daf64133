"""The library's names are limited in bytes, as filesystems count them (255 on ext4,
exFAT, btrfs), not only in characters."""

from __future__ import annotations

from appliance.naming import NAME_BYTES, safe_name


def test_safe_name_counts_bytes() -> None:
    name = safe_name("写" * 120 + ".jpeg")  # 120 characters, 365 bytes
    assert name.endswith(".jpeg") and set(name[: -len(".jpeg")]) == {"写"}
    assert len(name.encode()) <= NAME_BYTES
    assert len((name[:-5] + " (99999).jpeg.xmp").encode()) <= 255  # room for what is added
    assert safe_name("a" * 300 + ".jpg") == "a" * 120 + ".jpg"  # plain names: as before
