"""What this family keeps: its decisions as labels, the learned quality model, rescoring.

Kept (1): favourites and the cover a user chose for a stack. Not kept (0): photos moved to
the trash and the stack members passed over for a chosen cover. The model is refitted by
:func:`relearn` (``shoebox moments --learn``, or from the duplicates page); with too few
decisions the hand-set weights stay in use.
"""

from __future__ import annotations

import json
from typing import Any

from appliance.catalog import stacks
from appliance.catalog.models import Photo, Setting, Stack
from appliance.moments.learn import Evaluation, learn
from appliance.moments.quality import score

REPORT_SETTING = "moments.learning_report"
RANKING_SAMPLE = 5000


def _features(photo: Photo, sizes: dict[int, int]) -> dict[str, float]:
    features = json.loads(photo.quality_features)
    features["redundancy"] = float(sizes.get(photo.stack_id, 1) - 1) if photo.stack_id else 0.0
    return features


def family_labels() -> list[tuple[dict[str, float], int]]:
    """(features, kept) for every photo the family decided about."""
    sizes = dict(Stack.select(Stack.id, Stack.size).tuples())
    chosen = dict(
        Stack.select(Stack.id, Stack.cover_photo_id)
        .where(Stack.cover_photo_id.is_null(False))
        .tuples()
    )
    measured = Photo.select().where((Photo.status == "ok") & Photo.quality_features.is_null(False))
    labelled: dict[int, tuple[dict[str, float], int]] = {}
    for photo in measured.where(Photo.trashed_at.is_null(False)):
        labelled[photo.id] = (_features(photo, sizes), 0)
    for photo in measured.where(Photo.stack_id.in_(list(chosen)) & Photo.trashed_at.is_null()):
        labelled[photo.id] = (_features(photo, sizes), int(chosen[photo.stack_id] == photo.id))
    for photo in measured.where((Photo.favorite == True) & Photo.trashed_at.is_null()):  # noqa: E712
        labelled[photo.id] = (_features(photo, sizes), 1)
    return list(labelled.values())


def library_sample(limit: int = RANKING_SAMPLE) -> list[dict[str, float]]:
    sizes = dict(Stack.select(Stack.id, Stack.size).tuples())
    rows = (
        Photo.select()
        .where((Photo.status == "ok") & Photo.quality_features.is_null(False))
        .order_by(Photo.id.desc())
        .limit(limit)
    )
    return [_features(p, sizes) for p in rows]


def rescore_all() -> int:
    """Recompute every photo's quality with the model in use, then every stack's best."""
    model = stacks.current_model()
    db = Photo._meta.database
    changed = 0
    with db.atomic():
        for photo in Photo.select(Photo.id, Photo.quality_features).where(
            Photo.quality_features.is_null(False)
        ):
            quality = score(json.loads(photo.quality_features), model)
            changed += Photo.update(quality=quality).where(Photo.id == photo.id).execute()
        for (stack_id,) in Stack.select(Stack.id).tuples():
            stacks.refresh_stack(stack_id)
    return changed


def relearn(seed: int = 13) -> Evaluation:
    """Fit the family's model (or fall back to hand weights), rescore, keep the report."""
    model, report = learn(family_labels(), library_sample(), seed=seed)
    stacks.save_model(model)
    rescore_all()
    Setting.insert(key=REPORT_SETTING, value=json.dumps(report.as_dict())).on_conflict(
        conflict_target=[Setting.key], preserve=[Setting.value]
    ).execute()
    return report


def last_report() -> dict[str, Any] | None:
    row = Setting.get_or_none(Setting.key == REPORT_SETTING)
    return json.loads(row.value) if row else None
