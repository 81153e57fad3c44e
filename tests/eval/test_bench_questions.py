"""The bench's stress questions: at least as many different questions as asked for, from the
sets."""

from __future__ import annotations

from eval.bench.query import stress_questions
from eval.questions import load_questions
from eval.sets import SETS


def test_a_thousand_different_questions_from_the_question_sets() -> None:
    pool = [q.question for named in SETS.values() for q in load_questions(named.paths).questions]
    questions = stress_questions(pool, 1000)
    assert len(questions) == len(set(questions)) >= 1000
    assert set(pool) <= set(questions)  # every question of every set, then pairs of them


def test_a_small_pool_gives_what_it_can() -> None:
    assert stress_questions(["a?", "b?", "a?"], 10) == ["a?", "b?", "a? Also, b?", "b? Also, a?"]
