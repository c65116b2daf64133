"""Media files: content sniffing, metadata extraction and (elsewhere) rendering."""

from appliance.media.metadata import Metadata, MetadataError, read_metadata
from appliance.media.sniff import MediaType, sniff, sniff_bytes

__all__ = ["MediaType", "Metadata", "MetadataError", "read_metadata", "sniff", "sniff_bytes"]
