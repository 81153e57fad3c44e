"""Compare two evaluation runs: what moved, and which questions got better or worse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Comparison:
    deltas: dict[str, tuple[float, float, float]]  # metric -> (old, new, new - old)
    regressed: list[str]
    improved: list[str]
    only_old: list[str]
    only_new: list[str]


def compare_runs(old: dict[str, Any], new: dict[str, Any]) -> Comparison:
    """Metric deltas over the summaries; per question, pass/fail and fact-recall changes."""
    deltas = {}
    for name, before in old["summary"].items():
        after = new["summary"].get(name)
        if isinstance(before, int | float) and isinstance(after, int | float):
            deltas[name] = (before, after, round(after - before, 4))
    old_questions = {q["id"]: q for q in old["questions"]}
    new_questions = {q["id"]: q for q in new["questions"]}
    regressed, improved = [], []
    for question_id in old_questions.keys() & new_questions.keys():
        before = _standing(old_questions[question_id])
        after = _standing(new_questions[question_id])
        if after < before:
            regressed.append(question_id)
        elif after > before:
            improved.append(question_id)
    return Comparison(
        deltas=deltas,
        regressed=sorted(regressed),
        improved=sorted(improved),
        only_old=sorted(old_questions.keys() - new_questions.keys()),
        only_new=sorted(new_questions.keys() - old_questions.keys()),
    )


def _standing(record: dict[str, Any]) -> tuple[bool, float]:
    """Passing first, then how many required facts the answer stated."""
    scores = record["scores"]
    return bool(scores["passed"]), float(scores.get("fact_recall") or 0.0)
