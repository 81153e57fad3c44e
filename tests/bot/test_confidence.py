"""The calibrator: fitted weights that point the way their evidence means, a conformal
refusal threshold, and no extrapolation beyond the evidence it was fitted on."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from bot.answering.confidence import AGAINST, FEATURES, Calibrator
from eval.calibrate import conformal_threshold, fit_calibrator, out_of_fold_in_scope


def test_the_shipped_calibration_matches_the_evidence_and_keeps_its_signs() -> None:
    calibrator = Calibrator.load()
    assert calibrator.features == FEATURES
    for model in (calibrator.in_scope, calibrator.right):
        for name, weight in zip(FEATURES, model.weights, strict=True):
            assert (weight <= 0) if name in AGAINST else (weight >= 0), name
    assert 0.0 < calibrator.threshold < 1.0
    assert calibrator.fitted["set"] == "shipped and held-out"  # never a blind set


def test_conformal_threshold_answers_at_most_alpha_of_out_of_scope() -> None:
    scores = [i / 20 for i in range(19)]  # n = 19, the least that can promise alpha = 0.05
    threshold = conformal_threshold(scores, 0.05)
    assert threshold == scores[-1]  # ceil(20 x 0.95) = 19th smallest
    assert sum(s > threshold for s in scores) / len(scores) <= 0.05
    assert conformal_threshold(scores[:10], 0.05) == 1.0  # too few to promise: refuse all
    assert conformal_threshold(scores, 0.5) == scores[math.ceil(20 * 0.5) - 1]


def record(kind: str, right: bool, evidence: dict[str, float], reason: str = "answered") -> dict:
    return {
        "kind": kind,
        "scores": {"acceptable": right if kind == "answerable" else False},
        "response": {"evidence": evidence, "reason": reason},
    }


def evidence(strength: float, noise: random.Random) -> dict[str, float]:
    """Evidence that rises with `strength`, except the features that speak against an answer."""
    values = {name: strength + noise.gauss(0, 0.15) for name in FEATURES}
    values |= {name: 1 - strength + noise.gauss(0, 0.15) for name in AGAINST}
    values["coverage"] = 1 - values["lead_coverage"]  # overlapping evidence, opposite sign
    return values


def test_fitting_drops_evidence_that_would_point_the_wrong_way() -> None:
    noise = random.Random(7)
    records = [record("answerable", True, evidence(0.8, noise)) for _ in range(120)]
    records += [record("answerable", False, evidence(0.55, noise)) for _ in range(40)]
    records += [record("out_of_scope", False, evidence(0.3, noise)) for _ in range(60)]
    records += [record("out_of_scope", False, evidence(0.9, noise), "known_gap") for _ in range(5)]
    fit = fit_calibrator(records, alpha=0.1, source="test")
    calibrator = fit.calibrator
    for model in (calibrator.in_scope, calibrator.right):
        for name, weight in zip(FEATURES, model.weights, strict=True):
            assert (weight <= 0) if name in AGAINST else (weight >= 0), name
    assert fit.oos_answered <= 0.1 and fit.auc > 0.9
    # Known gaps are declined by the knowledge base itself and do not set the threshold.
    assert calibrator.threshold < 0.9
    assert calibrator.fitted == calibrator.fitted | {"set": "test", "alpha": 0.1}


def test_evidence_beyond_what_was_fitted_is_clipped() -> None:
    noise = random.Random(3)
    records = [record("answerable", True, evidence(0.8, noise)) for _ in range(60)]
    records += [record("out_of_scope", False, evidence(0.3, noise)) for _ in range(60)]
    calibrator = fit_calibrator(records, alpha=0.1, source="test").calibrator
    high = {name: calibrator.highs[i] for i, name in enumerate(FEATURES)}
    far = {name: value * 10 for name, value in high.items()}
    assert calibrator.probabilities(far) == pytest.approx(calibrator.probabilities(high))


def test_each_question_is_scored_for_the_threshold_by_models_that_never_saw_it() -> None:
    """Out-of-fold: flipping one question's label cannot change its own score."""
    noise = random.Random(11)
    records = [record("answerable", True, evidence(0.7, noise)) for _ in range(50)]
    records += [record("out_of_scope", False, evidence(0.4, noise)) for _ in range(50)]
    before = out_of_fold_in_scope(records)
    flipped = [*records]
    flipped[7] = record("out_of_scope", False, records[7]["response"]["evidence"])
    after = out_of_fold_in_scope(flipped)
    assert after[7] == pytest.approx(before[7])
    assert not np.allclose(after, before)  # the label did teach the models scoring the others


def test_the_right_model_learns_only_from_the_questions_it_is_told_to() -> None:
    """Questions written with the knowledge base open are answered right more often: when the
    right model learns from the others only, its confidence follows their rate."""
    noise = random.Random(5)
    easy = [record("answerable", True, evidence(0.7, noise)) for _ in range(80)]
    hard = [record("answerable", noise.random() < 0.3, evidence(0.7, noise)) for _ in range(80)]
    oos = [record("out_of_scope", False, evidence(0.4, noise)) for _ in range(60)]
    records = [r | {"id": f"q{i}"} for i, r in enumerate(easy + hard + oos)]
    staff_like = {r["id"] for r in records[80:]}
    judged = [r for r in records if r["id"] in staff_like and r["kind"] == "answerable"]

    def mean_confidence(calibrator: Calibrator) -> float:
        return float(
            np.mean([calibrator.probabilities(r["response"]["evidence"])[1] for r in judged])
        )

    everything = fit_calibrator(records, alpha=0.1, source="test").calibrator
    told = fit_calibrator(records, alpha=0.1, source="test", right_from=staff_like).calibrator
    rate = np.mean([r["scores"]["acceptable"] for r in judged])
    assert abs(mean_confidence(told) - rate) < 0.1
    assert mean_confidence(everything) > mean_confidence(told) + 0.15
    assert told.in_scope == everything.in_scope  # in scope still learns from every question
    assert told.fitted["right_learned_from"] == len(staff_like)
