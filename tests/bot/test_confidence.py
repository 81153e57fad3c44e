"""The calibrator: fitted weights that point the way their evidence means, a conformal
refusal threshold, and no extrapolation beyond the evidence it was fitted on."""

from __future__ import annotations

import math
import random

import pytest

from bot.answering.confidence import AGAINST, FEATURES, Calibrator
from eval.calibrate import conformal_threshold, fit_calibrator


def test_the_shipped_calibration_matches_the_evidence_and_keeps_its_signs() -> None:
    calibrator = Calibrator.load()
    assert calibrator.features == FEATURES
    for model in (calibrator.in_scope, calibrator.right):
        for name, weight in zip(FEATURES, model.weights, strict=True):
            assert (weight <= 0) if name in AGAINST else (weight >= 0), name
    assert 0.0 < calibrator.threshold < 1.0
    assert calibrator.fitted["set"] == "held-out"  # never the shipped or the blind set


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
