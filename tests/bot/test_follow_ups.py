"""Follow-ups in a conversation, on the real model and an index of a small knowledge base."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.answering.engine import AnswerEngine
from bot.answers import Turn
from bot.index import open_index
from bot.settings import Settings
from ingest.pipeline import run_ingest
from tests.support.calibration import TEST_KB_MIN_IN_SCOPE

# Who holds which role, and, in a section of its own, roles people held before: asked "what
# national role did she have before?", only the name the first answer gave says whose.
LEADERS = """---
id: leaders
title: "Leaders"
category: onboarding
owner: Test owner
status: published
last_reviewed: 2025-01-10
review_due: 2027-01-10
sources:
  - https://example.org/leaders
---

# Leaders

## The chief executive

Charlotte Ramsden is the Trust's chief executive.

## The board

Eileen Milner chairs the board of the Trust.

## Roles held before the Trust

Eileen Milner was chief executive of the Education and Skills Funding Agency.
Eileen Milner was earlier an executive director at the Care Quality Commission.
Steve Walker was a director of children's services in Leeds.
Charlotte Ramsden is a former President of the Association of Directors of Children's Services.
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[AnswerEngine]:
    kb = tmp_path_factory.mktemp("kb")
    (kb / "leaders.md").write_text(LEADERS, encoding="utf-8")
    settings = Settings(
        _env_file=None, data_dir=tmp_path_factory.mktemp("data"), min_in_scope=TEST_KB_MIN_IN_SCOPE
    )
    with open_index(settings, embedder) as index:
        assert run_ingest([kb], index).ok
        yield AnswerEngine(index, settings)


def test_a_follow_up_about_her_searches_for_whom_the_last_answer_named(
    engine: AnswerEngine,
) -> None:
    first = engine.ask("who is the chief executive?")
    assert "Charlotte Ramsden" in first.answer
    follow_up = "what national role did she have before?"
    answer = engine.ask(follow_up, history=[Turn(first.question, first.answer)])
    assert "President" in answer.answer
    # The question alone carries "chief executive", which the other leader's past role has.
    without = engine.ask(follow_up, history=[Turn(first.question)])
    assert "President" not in without.answer
