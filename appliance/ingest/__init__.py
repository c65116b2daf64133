"""Ingest: from a file on some storage to a catalogued photo.

discover -> admit (sniff, hash, duplicate?) -> read (metadata) -> render (one decode)
-> see (labels, faces) -> store (verified copy) -> commit (one transaction per photo).
"""
