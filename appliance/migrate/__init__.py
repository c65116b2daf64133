"""Bringing a family's history home (issue 22): a Google Photos Takeout or an iCloud Photos
download, read straight out of its archives (`takeout_archive`); planned by its layout
(`takeout_plan`: each photo matched with the JSON Google wrote beside it, `takeout_match`;
`icloud_plan`: Apple's CSV files); the facts taken (`takeout_facts`); imported through the
normal pipeline with those facts as an XMP sidecar, then put into its albums
(`export_import`); followed as one task (`progress`)."""
