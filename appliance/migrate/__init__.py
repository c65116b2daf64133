"""Bringing a family's history home (issue 22): a Google Photos Takeout, read straight out
of its archives (`takeout_archive`), each photo matched with the JSON Google wrote beside it
(`takeout_match`), the facts taken from it (`takeout_facts`), imported through the normal
pipeline with those facts as an XMP sidecar, then put into its albums (`takeout_import`)."""
