"""The scope model: what it reads, that the shipped one tells the Trust's questions from other
requests, and that the calibrator is fitted on log-odds from models that never saw the
question (cross-fitting)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.answering.engine import AnswerEngine
from bot.answering.scope import ScopeModel
from eval.questions import Question
from eval.scope_fit import FOLDS, cross_fitted_records, fit_scope, labelled_vectors


def test_the_shipped_model_tells_the_trusts_questions_from_other_requests(embedder) -> None:
    scope = ScopeModel.load()
    assert len(scope.weights) == embedder.dimension
    assert "blind" not in str(scope.fitted["from"])
    covered, other = embedder.embed(
        [
            "how many working days until the initial child protection conference?",
            "how do i book annual leave and who signs off my overtime claim?",
        ]
    )
    # Log-odds are evidence the calibrator weighs, so what matters is the order, clearly.
    assert scope.log_odds(covered) > scope.log_odds(other) + 1.0


def test_a_saved_model_reads_back_the_same_and_the_neutral_one_has_no_opinion(
    tmp_path: Path,
) -> None:
    vector = np.full(4, 0.5, dtype=np.float32)
    model = ScopeModel((0.5, -1.0, 2.0, 0.0), 0.25, {"from": "test"})
    assert model.log_odds(vector) == pytest.approx(0.25 + 0.5 * (0.5 - 1.0 + 2.0))
    model.save(tmp_path / "scope.json")
    assert ScopeModel.load(tmp_path / "scope.json") == model
    assert ScopeModel.neutral().log_odds(vector) == 0.0


def test_a_model_fitted_on_another_embedding_model_gives_no_opinion(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """EMBEDDING_MODEL changed and not yet refitted: no opinion, and the log says so."""
    model = ScopeModel((0.5, -1.0, 2.0, 0.0), 0.25, {})
    assert model.log_odds(np.ones(8, dtype=np.float32)) == 0.0
    assert "bcft eval calibrate" in caplog.text


def questions(kind: str, texts: list[str]) -> list[Question]:
    return [Question(id=f"{kind}-{i}", question=t, kind=kind) for i, t in enumerate(texts)]


FITTING = questions(
    "answerable",
    [
        "when must the initial child protection conference be held?",
        "who chairs a child protection conference?",
        "how often are core group meetings held?",
        "what is a strategy discussion for?",
        "how quickly should a section 47 enquiry start?",
    ],
) + questions(
    "out_of_scope",
    [
        "how do i claim mileage?",
        "what is the wifi password in the office?",
        "can you write my case notes for me?",
        "how many days of annual leave do i get?",
        "what's the weather in leeds tomorrow?",
    ],
)
OTHERS = questions("answerable", ["what happens at a review conference?"]) + questions(
    "out_of_scope", ["who do i ask about my payslip?"]
)


def test_each_question_is_answered_with_a_scope_model_fitted_without_it(
    support_engine: AnswerEngine,
) -> None:
    before = support_engine.scope
    records, final = cross_fitted_records(support_engine, FITTING)
    assert support_engine.scope is before  # the support_engine's own model is back in place
    assert sorted(r["id"] for r in records) == sorted(q.id for q in FITTING)
    by_id = {r["id"]: r for r in records}
    for start in range(FOLDS):
        fold = FITTING[start::FOLDS]
        rest = [q for q in FITTING if q not in fold]
        unseen = fit_scope(*labelled_vectors(support_engine, rest))
        for question in fold:
            (vector,) = support_engine.query_vectors(question.question)
            evidence = by_id[question.id]["response"]["evidence"]
            assert evidence["topic_in_scope"] == pytest.approx(unseen.log_odds(vector), abs=1e-4)
    assert final.fitted["questions"] == len(labelled_vectors(support_engine, FITTING)[1])


def test_the_examples_of_requests_not_handled_are_learned_as_out_of_scope(
    support_engine: AnswerEngine,
) -> None:
    urgent = questions("urgent", ["the baby is not breathing"])
    vectors, labels = labelled_vectors(support_engine, OTHERS + urgent)
    examples = len(labelled_vectors(support_engine, [])[1])
    assert len(vectors) == len(labels) == len(OTHERS) + examples  # not the urgent message
    assert labels[:2].tolist() == [True, False] and not labels[2:].any()
