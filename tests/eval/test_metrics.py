"""Metrics on small cases worked out by hand."""

from __future__ import annotations

import pytest

from eval import metrics


def test_normalise_ignores_case_punctuation_and_spacing() -> None:
    assert metrics.normalise("  Section-47   Enquiries, (s47)!") == "section 47 enquiries s47"
    assert metrics.normalise("child’s plan") == metrics.normalise("childs plan")
    assert metrics.states("Friends made five referrals.", "5 referrals")
    assert not metrics.states("Friends made fifty referrals.", "5 referrals")


def test_states_matches_whole_words_only() -> None:
    assert metrics.states("Held within 15 working days.", "15 WORKING-DAYS")
    assert not metrics.states("Held within 115 working days.", "15 working days")
    assert not metrics.states("within 15 days", "15 working days")


def test_fact_recall_and_exact_pass() -> None:
    answer = "The ICPC is held within 15 working days of the strategy discussion [1]."
    facts = ["15 working days", "strategy discussion", "core group"]
    assert metrics.fact_recall(answer, facts) == pytest.approx(2 / 3)
    assert not metrics.exact_pass(answer, facts)
    assert metrics.exact_pass(answer, facts[:2])
    assert metrics.fact_recall(answer, []) == 1.0


def test_answer_in_top_k_needs_one_chunk_with_every_fact() -> None:
    chunks = ["mentions 15 working days only", "mentions the strategy discussion only",
              "15 working days after the strategy discussion"]  # fmt: skip
    facts = ["15 working days", "strategy discussion"]
    assert not metrics.answer_in_top_k(chunks, facts, 1)
    assert not metrics.answer_in_top_k(chunks, facts, 2)  # facts split over two chunks
    assert metrics.answer_in_top_k(chunks, facts, 3)


def test_hit_at_k_and_reciprocal_rank() -> None:
    retrieved = ["glossary", "lado", "lado", "contacts"]
    assert not metrics.hit_at_k(retrieved, ["lado"], 1)
    assert metrics.hit_at_k(retrieved, ["lado"], 3)
    assert metrics.reciprocal_rank(retrieved, ["lado"]) == 0.5
    assert metrics.reciprocal_rank(retrieved, ["contacts", "lado"]) == 0.5
    assert metrics.reciprocal_rank(retrieved, ["missing"]) == 0.0


def test_citation_validity() -> None:
    assert metrics.citations_valid("A [1]. B [2].", [1, 2], ["a", "b"], ["a", "b", "c"])
    assert not metrics.citations_valid("A [3].", [1, 2], ["a", "b"], ["a", "b"])  # no source 3
    assert not metrics.citations_valid("A [1].", [1], ["z"], ["a", "b"])  # z never retrieved


def test_refusal_correctness_by_kind() -> None:
    assert metrics.refusal_correct("out_of_scope", refused=True)
    assert not metrics.refusal_correct("out_of_scope", refused=False)
    assert metrics.refusal_correct("answerable", refused=False)
    assert not metrics.refusal_correct("answerable", refused=True)
    assert metrics.refusal_correct("urgent", refused=True) is None


def test_precision_and_recall() -> None:
    predicted = [True, True, False, True, False]
    actual = [True, False, True, True, False]
    assert metrics.precision_recall(predicted, actual) == (
        pytest.approx(2 / 3),
        pytest.approx(2 / 3),
    )
    assert metrics.precision_recall([False], [False]) == (1.0, 1.0)


def test_percentile_interpolates() -> None:
    assert metrics.percentile([10, 20, 30, 40], 50) == 25
    assert metrics.percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert metrics.percentile([], 95) == 0.0


def test_wilson_interval_of_small_samples() -> None:
    low, high = metrics.wilson_interval(18, 20)
    assert (round(low, 2), round(high, 2)) == (0.70, 0.97)
    low, high = metrics.wilson_interval(3, 3)
    assert round(low, 2) == 0.44 and high == 1.0
    assert metrics.wilson_interval(0, 0) == (0.0, 1.0)


def test_reliability_bins_and_expected_calibration_error() -> None:
    confidences = [0.05, 0.15, 0.85, 0.95, 0.9, 1.0]
    outcomes = [False, False, True, True, False, True]
    bins = metrics.reliability_bins(confidences, outcomes)
    assert [(b["low"], b["n"]) for b in bins] == [(0.0, 1), (0.1, 1), (0.8, 1), (0.9, 3)]
    assert bins[-1]["accuracy"] == pytest.approx(2 / 3)
    assert bins[-1]["confidence"] == pytest.approx((0.95 + 0.9 + 1.0) / 3)
    # |0 - .05| + |0 - .15| + |1 - .85| + 3 x |2/3 - .95|, over 6 questions
    expected = (0.05 + 0.15 + 0.15 + 3 * abs(2 / 3 - 0.95)) / 6
    assert metrics.expected_calibration_error(confidences, outcomes) == pytest.approx(expected)
    assert metrics.expected_calibration_error([1.0, 0.0], [True, False]) == 0.0
    assert metrics.brier_score([1.0, 0.0, 0.5], [True, False, True]) == pytest.approx(0.25 / 3)
