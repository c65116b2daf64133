"""Learning what this family keeps: a small logistic regression per library.

Labels come from the family's own decisions: a favourite or a chosen stack cover is a photo
kept (1); a photo moved to the trash, or a stack member passed over for a chosen cover, is a
photo not kept (0). With fewer than :data:`MIN_LABELS` decisions (or too few of either kind)
the hand-set weights stay, and so they do while the learned model ranks the held-out
decisions worse than they do. The model is evaluated on a held-out share of those labels
against the hand-set score, and the change of ranking it causes is reported.

Plain numpy (Newton's method on 15 features): scikit-learn would add ~40 MB of wheels and
SciPy to a Raspberry Pi image for one 15-weight model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from appliance.moments.quality import LearnedModel, hand_score, vector

MIN_LABELS = 20  # decisions before a learned model replaces the hand-set weights
MIN_PER_CLASS = 5
HELD_OUT = 0.25
L2 = 1.0


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 50) -> LearnedModel:
    """L2-regularised logistic regression by Newton's method, on standardised inputs."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
        gradient = z.T @ (p - y) + penalty * w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return LearnedModel(mean.tolist(), scale.tolist(), w[:-1].tolist(), float(w[-1]))


def auc(scores: Sequence[float], labels: Sequence[int]) -> float | None:
    """Area under the ROC curve (probability a kept photo outranks a dropped one)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return round(wins / (len(pos) * len(neg)), 4)


def spearman(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Spearman rank correlation of two score lists (how much a ranking changed)."""
    if len(a) < 2:
        return None
    ra = np.argsort(np.argsort(a)).astype(float)
    rb = np.argsort(np.argsort(b)).astype(float)
    if ra.std() == 0 or rb.std() == 0:
        return None
    return round(float(np.corrcoef(ra, rb)[0, 1]), 4)


@dataclass
class Evaluation:
    labels: int
    kept: int
    dropped: int
    enough: bool  # whether there are enough decisions to learn from
    in_use: bool = False  # the learned model ranks the library (it did no worse held out)
    held_out: int = 0
    auc_learned: float | None = None  # on the held-out labels
    auc_hand: float | None = None
    accuracy_learned: float | None = None
    ranking_spearman: float | None = None  # learned vs hand over the whole library
    top_changed: float | None = None  # share of the hand top 10% no longer in the top 10%

    def as_dict(self) -> dict:
        return asdict(self)


def _split(labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A stratified held-out split: HELD_OUT of each class (at least one) is kept aside."""
    rng = np.random.default_rng(seed)
    test = []
    for value in (0, 1):
        idx = np.nonzero(labels == value)[0]
        rng.shuffle(idx)
        test.extend(idx[: max(1, round(len(idx) * HELD_OUT))])
    mask = np.zeros(len(labels), dtype=bool)
    mask[test] = True
    return np.nonzero(~mask)[0], np.nonzero(mask)[0]


def learn(
    labelled: Sequence[tuple[Mapping[str, float], int]],
    library: Sequence[Mapping[str, float]] = (),
    seed: int = 13,
) -> tuple[LearnedModel | None, Evaluation]:
    """Fit on the family's labels; return the model to use (None: keep hand weights) and its
    evaluation on a held-out share, plus how much it reorders ``library``."""
    y = np.array([int(bool(label)) for _, label in labelled])
    kept, dropped = int(y.sum()), int(len(y) - y.sum())
    report = Evaluation(len(y), kept, dropped, enough=False)
    if len(y) < MIN_LABELS or kept < MIN_PER_CLASS or dropped < MIN_PER_CLASS:
        return None, report
    x = np.array([vector(f) for f, _ in labelled])
    train, test = _split(y, seed)
    held = fit_logistic(x[train], y[train])
    learned_scores = [held.score(labelled[i][0]) for i in test]
    report.held_out = len(test)
    report.auc_learned = auc(learned_scores, y[test].tolist())
    report.auc_hand = auc([hand_score(labelled[i][0]) for i in test], y[test].tolist())
    hits = [(s >= 0.5) == bool(t) for s, t in zip(learned_scores, y[test], strict=True)]
    report.accuracy_learned = round(sum(hits) / len(hits), 4)
    report.enough = True
    model = fit_logistic(x, y)  # the model in use learns from every label
    if library:  # how much it reorders the library (reported even when it is not used)
        hand = [hand_score(f) for f in library]
        mine = [model.score(f) for f in library]
        report.ranking_spearman = spearman(hand, mine)
        top = max(1, len(library) // 10)
        hand_top = set(np.argsort(hand)[-top:].tolist())
        mine_top = set(np.argsort(mine)[-top:].tolist())
        report.top_changed = round(len(hand_top - mine_top) / top, 4)
    if (report.auc_learned or 0.0) < (report.auc_hand or 0.0):
        return None, report  # it would rank the family's own choices worse: keep the hand
    report.in_use = True
    return model, report
