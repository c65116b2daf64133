"""Media files: content sniffing, metadata extraction and (elsewhere) rendering."""

from appliance.media.sniff import MediaType, sniff, sniff_bytes

__all__ = ["MediaType", "sniff", "sniff_bytes"]
