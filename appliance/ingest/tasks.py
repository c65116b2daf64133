"""The pipeline's plain records now live in :mod:`appliance.records` (shared by ingest and
catalog). This name stays only for ``ingest/jobs.py``, which issue-11b rewrites at the same
time; the coordinator points it at ``appliance.records`` and deletes this file at merge."""

from appliance.records import FileTask, Outcome  # noqa: F401
