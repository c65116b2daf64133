"""A second copy of the whole library, made with restic (`shoebox library-backup`).

- ``targets``: where copies go (a folder or disk, SFTP, S3) and their keys;
- ``restic``: the one place that runs the ``restic`` binary;
- ``snapshot``: a consistent catalogue copy (SQLite online backup or ``pg_dump``) staged
  beside ``originals/`` for restic to read;
- ``runner``: one backup run of a target (stage, back up, check, record);
- ``schedule``: when a run is due (nightly, after changes at most hourly, weekly read);
- ``restore``: a whole library, one photo or one day back from a target;
- ``status``: per target the last good backup and the photos not backed up yet.
"""
