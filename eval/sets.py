"""The five question sets the bot is measured on, and the goals each must meet.

- shipped: written with the knowledge base; the set changes are tried against (dev).
- held-out: written separately from the knowledge base without sight of the code; with the
  shipped set, fits the confidence calibrator and the refusal threshold; never read while
  changing code.
- blind: written from the public fact pack only, by someone who saw neither the code nor the
  knowledge base; measured, never tuned on (see eval/blind/README.md).
- blind-2: written the same way at the start of stop 19, after the first blind set had been
  measured on for many changes; measured, never tuned on (see eval/blind-2/README.md).
- blind-3: written the same way at the start of stop 25, for the same reason; measured, never
  tuned on (see eval/blind-3/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

EVAL = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Goal:
    """A metric's target: a floor, or a ceiling for metrics where lower is better."""

    metric: str
    target: float
    ceiling: bool = False

    def met(self, value: float | None) -> bool:
        if value is None:
            return True  # the set has no question the metric applies to
        return value <= self.target if self.ceiling else value >= self.target

    def describe(self) -> str:
        return f"{'≤' if self.ceiling else '≥'} {self.target:g}"


GOALS = (
    Goal("urgent_recall", 1.0),
    Goal("urgent_precision", 0.9),
    Goal("oos_refusal", 0.95),
    Goal("false_refusal", 0.03, ceiling=True),
    Goal("exact_pass", 0.90),
    Goal("answer_in_top_5", 0.97),
    Goal("ece", 0.1, ceiling=True),
)


@dataclass(frozen=True)
class NamedSet:
    name: str
    paths: tuple[Path, ...]
    goals: tuple[Goal, ...] = GOALS


def _with(goals: tuple[Goal, ...], metric: str, target: float) -> tuple[Goal, ...]:
    return tuple(replace(g, target=target) if g.metric == metric else g for g in goals)


SETS = {
    s.name: s
    for s in (
        NamedSet("shipped", (EVAL / "questions",)),
        NamedSet("held-out", (EVAL / "holdout",)),
        # The blind set's questions are messier (written without the knowledge base's words).
        NamedSet("blind", (EVAL / "blind",), _with(GOALS, "exact_pass", 0.80)),
        NamedSet("blind-2", (EVAL / "blind-2",), _with(GOALS, "exact_pass", 0.80)),
        NamedSet("blind-3", (EVAL / "blind-3",), _with(GOALS, "exact_pass", 0.80)),
    )
}


def missed_goals(set_: NamedSet, summary: dict[str, object]) -> list[str]:
    """Each goal the summary misses, as "metric = value (goal ≥ x)"."""
    return [
        f"{goal.metric} = {summary.get(goal.metric)} (goal {goal.describe()})"
        for goal in set_.goals
        if not goal.met(summary.get(goal.metric))  # type: ignore[arg-type]
    ]
