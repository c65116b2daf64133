"""Labels on photos: model results replaced on re-classification, user decisions kept.

The model's labels are the classifier's merged with what the photo's text reading says
(:func:`appliance.text.labels.model_labels`: a screenshot, a document, a receipt) and with
the animals its own words name (:func:`appliance.search.named_labels.corrected`: its title
and keywords), merged again from the classifier's own answer (``photo_classified``)
whenever one of them changes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from appliance.catalog.models import Label, Photo, PhotoClassified, PhotoLabel, PhotoText
from appliance.records import Label as ModelLabel
from appliance.search import named_labels
from appliance.text import labels as text_labels


def label_named(name: str, categories: Iterable[str] = ()) -> Label:
    label, created = Label.get_or_create(name=name, defaults={"categories": ",".join(categories)})
    if not created and categories and not label.categories:
        label.categories = ",".join(categories)
        label.save()
    return label


def save_model_labels(photo_id: int, labels: Iterable[Any]) -> None:
    """Replace the model's labels of a photo (the classifier's ``labels`` merged with its
    text reading's, when it was read); manual additions and removals stay. The classifier's
    own answer is kept for later merges (:func:`relabel`)."""
    classified = [
        ModelLabel(item.name, float(item.confidence), tuple(getattr(item, "categories", ())))
        for item in labels
    ]
    kept = json.dumps([[c.name, c.confidence, list(c.categories)] for c in classified])
    PhotoClassified.insert(photo=photo_id, labels=kept).on_conflict(
        conflict_target=[PhotoClassified.photo], update={PhotoClassified.labels: kept}
    ).execute()
    _replace_model_labels(photo_id, _merged(photo_id, classified))


def relabel(photo_id: int) -> None:
    """Merge a photo's new (or forgotten) text reading, its title and its keywords into its
    model labels again, from what the classifier said (called where one of them changes, in
    that change's transaction)."""
    current = _model_labels(photo_id)
    kept = (
        PhotoClassified.select(PhotoClassified.labels)
        .where(PhotoClassified.photo == photo_id)
        .scalar()
    )
    classified = (  # classified before v21: what the last merge left is all there is
        [ModelLabel(name, confidence, tuple(cats)) for name, confidence, cats in json.loads(kept)]
        if kept is not None
        else current
    )
    merged = _merged(photo_id, classified)
    if [label.name for label in merged] != [label.name for label in current]:
        _replace_model_labels(photo_id, merged)


def _model_labels(photo_id: int) -> list[ModelLabel]:
    """The photo's model labels as they are now."""
    rows = (
        PhotoLabel.select(PhotoLabel.confidence, Label.name, Label.categories)
        .join(Label)
        .where((PhotoLabel.photo == photo_id) & (PhotoLabel.source == "model"))
        .order_by(PhotoLabel.id)
        .tuples()
    )
    return [
        ModelLabel(name, confidence, tuple(c for c in categories.split(",") if c))
        for confidence, name, categories in rows
    ]


def _merged(photo_id: int, classified: list[ModelLabel]) -> list[ModelLabel]:
    """The classifier's labels merged with the photo's text reading (if it was read) and
    the animals its own words name."""
    reading = (
        PhotoText.select(PhotoText.kind, PhotoText.text)
        .where(PhotoText.photo == photo_id)
        .tuples()
        .first()
    )
    kind, text = reading or (None, "")
    merged = text_labels.model_labels(classified, kind, text or "")
    return named_labels.corrected(merged, named_labels.named_animals(_own_words(photo_id)))


def _own_words(photo_id: int) -> list[str]:
    """The photo's title and its keywords (the manual labels it keeps)."""
    title = Photo.select(Photo.title).where(Photo.id == photo_id).scalar()
    keywords = (
        Label.select(Label.name)
        .join(PhotoLabel)
        .where(
            (PhotoLabel.photo == photo_id)
            & (PhotoLabel.source == "manual")
            & (PhotoLabel.removed == False)  # noqa: E712 - SQL comparison
        )
        .order_by(PhotoLabel.id)
        .scalars()
    )
    return [title or "", *keywords]


def _replace_model_labels(photo_id: int, labels: Iterable[ModelLabel]) -> None:
    manual = {
        row.label_id
        for row in PhotoLabel.select(PhotoLabel.label).where(
            (PhotoLabel.photo == photo_id) & (PhotoLabel.source == "manual")
        )
    }
    PhotoLabel.delete().where(
        (PhotoLabel.photo == photo_id) & (PhotoLabel.source == "model")
    ).execute()
    for item in labels:
        label = label_named(item.name, item.categories)
        if label.id not in manual:
            PhotoLabel.create(
                photo=photo_id, label=label, confidence=float(item.confidence), source="model"
            )


def _decide(photo_id: int, label: Label, removed: bool) -> None:
    """Record a user's decision about a label on a photo (it outlives re-classification)."""
    confidence = 0.0 if removed else 1.0  # the family is sure (a plain word then finds it)
    PhotoLabel.insert(
        photo=photo_id, label=label, confidence=confidence, source="manual", removed=removed
    ).on_conflict(
        conflict_target=[PhotoLabel.photo, PhotoLabel.label],
        update={
            PhotoLabel.source: "manual",
            PhotoLabel.removed: removed,
            PhotoLabel.confidence: confidence,
        },
    ).execute()


def keep_label(photo_id: int, name: str) -> None:
    """A label the family gave stays whatever the model says later. The caller then calls
    :func:`relabel` once (an animal it names replaces the classifier's other animals)."""
    _decide(photo_id, label_named(name.strip().lower()), removed=False)


def add_manual_label(photo_id: int, name: str) -> None:
    """A user adds a label: kept (:func:`keep_label`), and the photo's labels merged again."""
    keep_label(photo_id, name)
    relabel(photo_id)


def remove_label(photo_id: int, name: str) -> None:
    """A user removes a label: remembered, so re-classification does not bring it back."""
    label = Label.get_or_none(Label.name == name)
    if label is not None:
        _decide(photo_id, label, removed=True)
        relabel(photo_id)
