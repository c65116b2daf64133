"""A portrait is "of" its people: with faces found, clothing and worn-accessory classes are
left out and "person" leads (label rules), on made-up probabilities and on corpus photos."""

from __future__ import annotations

import numpy as np
from flask.testing import FlaskClient
from web_fixtures import Built

from appliance.catalog.models import Label, PhotoLabel
from appliance.vision.label_rules import PERSON_LABEL, LabelRules

BIDEN, TWO = "faces/face_recognition/biden.jpg", "faces/face_recognition/two_people.jpg"
CHELSEA = "misc/skimage/chelsea.jpg"


def probabilities(rules: LabelRules, **by_name: float) -> np.ndarray:
    probs = np.zeros(rules.num_classes)
    for rule in rules.rules:
        if rule.imagenet_name in by_name:
            probs[rule.index] = by_name[rule.imagenet_name]
    probs[probs == 0] = (1 - probs.sum()) / (probs == 0).sum()
    return probs


def test_faces_suppress_worn_things_and_put_person_first() -> None:
    rules = LabelRules.load()
    tie = probabilities(rules, **{"Windsor tie": 0.6, "neck brace": 0.3})
    assert [lb.name for lb in rules.apply(tie)] == ["Windsor tie", "neck brace"]
    labelled = rules.apply(tie, faces=2)
    assert [lb.name for lb in labelled] == [PERSON_LABEL]
    assert "people" in labelled[0].categories
    angler = probabilities(rules, tench=0.8)
    assert [lb.name for lb in rules.apply(angler, faces=1)] == [PERSON_LABEL]
    # a real subject next to the person stays: a dog is not something one wears
    dog = probabilities(rules, **{"Golden Retriever": 0.7, "bow tie": 0.2})
    assert [lb.name for lb in rules.apply(dog, faces=1)] == [PERSON_LABEL, "dog"]
    assert [lb.name for lb in rules.apply(dog)][0] == "dog"


def labels_of(photo_id: int) -> set[str]:
    rows = PhotoLabel.select(PhotoLabel, Label).join(Label).where(PhotoLabel.photo == photo_id)
    return {row.label.name for row in rows}


def test_imported_portraits_are_people_not_ties(member: FlaskClient, web: Built) -> None:
    rules = LabelRules.load()
    worn = {r.label for r in rules.rules if "clothing" in r.categories}
    for path in (BIDEN, TWO):
        labels = labels_of(web.photo_ids[path])
        assert PERSON_LABEL in labels and not labels & worn, (path, labels)
    assert PERSON_LABEL not in labels_of(web.photo_ids[CHELSEA])
    found = member.get("/api/v1/photos", query_string={"q": "people"}).json["items"]
    assert {web.photo_ids[BIDEN], web.photo_ids[TWO]} <= {i["id"] for i in found}
