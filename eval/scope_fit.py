"""Fit the scope model (bot/answering/scope.py), and give the calibrator honest evidence of it.

The scope model learns from the shipped and held-out question sets (each part of an answerable
question against each part of an out-of-scope one) and the example requests of
bot/answering/out_of_scope.yaml, never from a blind set.

The calibrator weighs the scope model's log-odds, so on the questions the calibrator is fitted
on, that log-odds must come from a scope model that has not learned them; otherwise it would
look more certain than it is on new questions and be trusted too much. So those questions are
cross-fitted: split into FOLDS, each fold answered by the engine with a scope model fitted on
everything else. The model that is saved learns from all of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import yaml

from bot.answering.confidence import OUT_OF_SCOPE_FILE
from bot.answering.engine import AnswerEngine
from bot.answering.scope import ScopeModel
from eval.questions import Question
from eval.runner import Progress, conversation, run_evaluation

FOLDS = 5
# scikit-learn's C for 384 features against about 600 labelled questions. In 5-fold
# cross-validation on the shipped and held-out sets, 0.3, 1 and 3 gave the calibrator the same
# in-scope AUC to within 0.003 (0.877 without the feature, 0.905 with it).
REGULARISATION = 1.0
SOURCES = "shipped and held-out question sets, bot/answering/out_of_scope.yaml"
_SCOPED = ("answerable", "out_of_scope")  # the kinds of question the scope model learns from


def labelled_vectors(
    engine: AnswerEngine, questions: Sequence[Question]
) -> tuple[np.ndarray, np.ndarray]:
    """The query vectors of each part of the answerable and out-of-scope questions, and whether
    each is answerable; the example requests of out_of_scope.yaml count as out of scope."""
    return _stacked(_embedded(engine, questions) + _examples(engine))


# One labelled question: the query vectors of its parts, and whether it is answerable.
Row = tuple[np.ndarray, bool]


def _embedded(engine: AnswerEngine, questions: Sequence[Question]) -> list[Row]:
    """A row for each answerable or out-of-scope question (an urgent message is neither)."""
    return [
        (engine.query_vectors(q.question, conversation(engine, q.history)), q.kind == "answerable")
        for q in questions
        if q.kind in _SCOPED
    ]


def _examples(engine: AnswerEngine) -> list[Row]:
    """A row for each example request of out_of_scope.yaml, all out of scope."""
    kinds = yaml.safe_load(OUT_OF_SCOPE_FILE.read_text(encoding="utf-8"))["kinds"]
    return [(engine.query_vectors(text), False) for texts in kinds.values() for text in texts]


def _stacked(rows: list[Row]) -> tuple[np.ndarray, np.ndarray]:
    """The rows' vectors, a part per line, with each part's label."""
    vectors = [vector for parts, _ in rows for vector in parts]
    labels = [answerable for parts, answerable in rows for _ in parts]
    return np.array(vectors), np.array(labels)


def fit_scope(vectors: np.ndarray, labels: np.ndarray) -> ScopeModel:
    """A logistic model over the vectors, the two classes weighted equally."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=2000)
    model.fit(vectors, labels)
    fitted = {
        "questions": len(labels),
        "answerable": int(labels.sum()),
        "from": SOURCES,
        "date": datetime.now(UTC).date().isoformat(),
    }
    return ScopeModel(tuple(float(w) for w in model.coef_[0]), float(model.intercept_[0]), fitted)


def cross_fitted_records(
    engine: AnswerEngine, fitting: list[Question], progress: Progress | None = None
) -> tuple[list[dict[str, Any]], ScopeModel]:
    """Evaluation records of `fitting`, each answered with a scope model that never saw it,
    and the scope model fitted on all of them."""
    scoped = [q for q in fitting if q.kind in _SCOPED]
    own = _embedded(engine, scoped)  # each question embedded once, whatever fold it is in
    shared = _examples(engine)
    records: list[dict[str, Any]] = []
    previous = engine.scope
    try:
        for start in range(FOLDS):
            rest = [row for i, row in enumerate(own) if i % FOLDS != start]
            engine.scope = fit_scope(*_stacked(rest + shared))
            counted = _counted_from(progress, len(records), len(scoped))
            records += run_evaluation(scoped[start::FOLDS], engine, progress=counted)["questions"]
        final = fit_scope(*_stacked(own + shared))
    finally:
        engine.scope = previous
    return records, final


def _counted_from(progress: Progress | None, before: int, total: int) -> Progress | None:
    """Progress through one fold, reported as progress through all of them."""
    if progress is None:
        return None
    return lambda done, _, label: progress(before + done, total, label)
