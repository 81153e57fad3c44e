"""Fit the confidence calibrator and its refusal threshold on the development question sets.

1. Every question is answered; each answer's evidence (bot/answering/confidence.py) makes a
   training row. Urgent messages are about the emergency route and are left out.
2. Two logistic regressions on standardised evidence (Platt-style: with a few hundred labels
   a sigmoid is the calibration that does not overfit): "in scope" learns answerable versus
   out-of-scope questions; "right" learns whether the chosen answer stated the must_include
   facts (never, for an out-of-scope question).
3. Cross-conformal abstention: the rows are split into FOLDS, and each fold's in-scope
   probabilities come from models fitted on the other folds, so every row is scored as a new
   question would be. With those probabilities of the n out-of-scope questions that reach the
   threshold sorted (those the knowledge base declines itself as a known gap do not), the
   threshold is the ceil((n + 1)(1 - alpha))-th smallest. Answering only above it answers
   about a share alpha of out-of-scope questions like these (Angelopoulos & Bates 2021;
   Vovk 2015 for the cross-conformal variant). Scored in sample instead, the out-of-scope
   questions look less in scope than new ones will, and the threshold comes out too low.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from bot.answering.confidence import AGAINST, FEATURES, Calibrator, LogisticModel

# scikit-learn's C, ten times stronger than its default: the evidence features overlap (two
# measures of meaning, two of coverage), and with a few hundred labels weaker regularisation
# let overlapping features take opposite signs.
REGULARISATION = 0.1
# Folds for the out-of-fold probabilities that set the threshold (as for the scope model).
FOLDS = 5


@dataclass(frozen=True)
class Fit:
    """A fitted calibrator and how it does on the questions it was fitted on, each scored by
    models that did not see it."""

    calibrator: Calibrator
    oos_answered: float
    answerable_refused: float
    auc: float


def conformal_threshold(out_of_scope_scores: list[float], alpha: float) -> float:
    """The score above which at most `alpha` of out-of-scope questions are answered."""
    n = len(out_of_scope_scores)
    rank = math.ceil((n + 1) * (1 - alpha))
    if rank > n:  # too few questions to promise alpha: refuse everything
        return 1.0
    return sorted(out_of_scope_scores)[rank - 1]


def fit_calibrator(
    records: list[dict[str, Any]],
    alpha: float,
    source: str,
    right_from: Collection[str] | None = None,
) -> Fit:
    """Fit on evaluation records (eval/runner.py), each with its evidence and `acceptable`;
    the threshold and the figures of the returned Fit come from out-of-fold probabilities.

    The in-scope model learns from every record; the right model only from the records whose
    ids are in `right_from` (all, if None): how often answers are right depends on who wrote
    the questions, so it should learn from questions written as staff write them.
    """
    from sklearn.metrics import roc_auc_score

    rows = [r for r in records if r["kind"] in ("answerable", "out_of_scope")]
    judged = [right_from is None or r["id"] in right_from for r in rows]
    answerable = np.array([r["kind"] == "answerable" for r in rows])
    unseen = out_of_fold_in_scope(rows)
    # Out-of-scope questions the knowledge base itself declines ("not in the public record")
    # never reach the threshold, so they do not set it.
    reaching = [r["response"]["reason"] != "known_gap" for r in rows]
    out_of_scope = [p for p, a, g in zip(unseen, answerable, reaching, strict=True) if not a and g]
    threshold = conformal_threshold(out_of_scope, alpha)
    fitted = {
        "set": source,
        "answerable": int(answerable.sum()),
        "out_of_scope": int((~answerable).sum()),
        "right_learned_from": int(sum(judged)),
        "alpha": alpha,
        "date": datetime.now(UTC).date().isoformat(),
    }
    return Fit(
        calibrator=_fitted(rows, judged, threshold, fitted),
        oos_answered=float(np.mean([p > threshold for p in out_of_scope])),
        answerable_refused=float(np.mean(unseen[answerable] <= threshold)),
        auc=float(roc_auc_score(answerable, unseen)),
    )


def out_of_fold_in_scope(rows: list[dict[str, Any]]) -> np.ndarray:
    """Each row's P(in scope) from a calibrator fitted on the other folds."""
    probabilities = np.zeros(len(rows))
    for fold in range(FOLDS):
        others = [r for i, r in enumerate(rows) if i % FOLDS != fold]
        calibrator = _fitted(others, [True] * len(others), threshold=0.0, fitted={})
        for i in range(fold, len(rows), FOLDS):
            probabilities[i] = calibrator.probabilities(rows[i]["response"]["evidence"])[0]
    return probabilities


def _fitted(
    rows: list[dict[str, Any]], judged: list[bool], threshold: float, fitted: dict[str, object]
) -> Calibrator:
    """The in-scope model fitted on `rows`, the right model on the rows `judged` marks, both on
    evidence standardised over all of `rows`; with the threshold given."""
    x = np.array([[r["response"]["evidence"][name] for name in FEATURES] for r in rows])
    means = x.mean(axis=0)
    scales = np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    standard = (x - means) / scales
    answerable = np.array([r["kind"] == "answerable" for r in rows])
    right = np.array([bool(r["scores"]["acceptable"]) for r in rows])
    judged_rows = np.array(judged)
    return Calibrator(
        features=FEATURES,
        lows=tuple(float(v) for v in x.min(axis=0)),
        highs=tuple(float(v) for v in x.max(axis=0)),
        means=tuple(float(v) for v in means),
        scales=tuple(float(v) for v in scales),
        in_scope=_logistic(standard, answerable),
        right=_logistic(standard[judged_rows], right[judged_rows]),
        threshold=float(threshold),
        fitted=fitted,
    )


def _logistic(x: np.ndarray, y: np.ndarray) -> LogisticModel:
    """A logistic regression whose weights all point the way their evidence means.

    A feature whose fitted weight contradicts its meaning (more of the question stated making
    an answer less likely, say) only mirrors an overlap with another feature in this sample;
    it is dropped (weight 0) and the model refitted, until every weight agrees.
    """
    from sklearn.linear_model import LogisticRegression

    use = np.ones(x.shape[1], dtype=bool)
    sign = np.array([-1.0 if name in AGAINST else 1.0 for name in FEATURES])
    while True:
        model = LogisticRegression(C=REGULARISATION, max_iter=1000).fit(x[:, use], y)
        weights = np.zeros(x.shape[1])
        weights[use] = model.coef_[0]
        wrong = use & (weights * sign < 0)
        if not wrong.any():
            break
        use &= ~wrong
    return LogisticModel(tuple(float(v) for v in weights), float(model.intercept_[0]))
