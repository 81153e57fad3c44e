"""The answer support_engine's stages as functions: guards, citations, compose, signposts."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pytest

from bot.answering.citations import Citations
from bot.answering.engine import (
    ACT_ON_ROUTE,
    EMPTY,
    NOT_CONFIRMED,
    NOT_COVERED,
    POINTER_IN_SCOPE,
    AnswerEngine,
    Part,
    compose_reply,
    emergency_lines,
    guard_message,
)
from bot.answering.signposts import CALL_999
from bot.safety.urgency import UrgencyAssessment

TODAY = date(2026, 11, 23)
QUESTION = "When must the initial child protection conference be held?"


def a_part(support_engine: AnswerEngine, question: str = QUESTION) -> Part:
    knowledge = support_engine.knowledge()
    return support_engine.answer_part(question, question, 3, 6, None, "hybrid", knowledge)


def test_the_guards_answer_empty_and_over_long_messages_and_let_the_rest_through() -> None:
    empty = guard_message("   ", 2000)
    assert empty is not None and (empty.text, empty.reason, empty.refused) == (EMPTY, "empty", True)
    too_long = guard_message("x" * 2001, 2000)
    assert too_long is not None and too_long.reason == "too_long" and too_long.refused
    assert "2,001 characters" in too_long.text and "under 2,000" in too_long.text
    assert guard_message(QUESTION, 2000) is None


def test_citations_number_each_document_section_once_in_the_order_cited(
    support_engine: AnswerEngine,
) -> None:
    chunks = list(support_engine.knowledge().snapshot.chunks.published("procedure"))[:2]
    citations = Citations(TODAY)
    text = citations.cite([("First fact.", chunks[0]), ("Second fact", chunks[1])])
    assert text == "First fact [1]. Second fact [2]."
    assert citations.cite([("Again.", chunks[1])]) == "Again [2]."
    assert [s.n for s in citations.sources] == [1, 2] and citations.retrieved == []
    citations.cite_signpost("Ask your manager.", chunks[0])
    citations.cite_signpost("Ask your manager.", chunks[0])
    assert [u.chunk_id for u in citations.retrieved] == [chunks[0].chunk_id]
    citations.keep_first(1)
    assert [s.n for s in citations.sources] == [1]


def test_compose_answers_refuses_or_puts_the_route_first_by_the_threshold(
    support_engine: AnswerEngine,
) -> None:
    part, knowledge = a_part(support_engine), support_engine.knowledge()

    answered = compose_reply([part], knowledge, Citations(TODAY), threshold=0.0, urgent=False)
    assert answered.reason == "answered" and not answered.refused
    assert "15 working days" in answered.text and "[1]" in answered.text

    unlikely = dataclasses.replace(part, in_scope=POINTER_IN_SCOPE)
    refused = compose_reply([unlikely], knowledge, Citations(TODAY), threshold=1.0, urgent=False)
    assert refused.refused and refused.reason == "not_covered"
    assert refused.text.startswith(NOT_COVERED) and "15 working days" in refused.withheld
    assert refused.confidence == answered.confidence  # the evidence is the same
    assert refused.nearest == "" and "nearest" not in refused.text

    urgent = compose_reply([part], knowledge, Citations(TODAY), threshold=1.0, urgent=True)
    assert urgent.text.startswith(ACT_ON_ROUTE)


def test_a_refusal_of_a_question_likely_covered_points_to_the_nearest_section(
    support_engine: AnswerEngine,
) -> None:
    """Above one half P(in scope) the refusal names and cites the section its best sentence
    came from, without quoting it; the practice lead's gap list still sees a refusal."""
    part, knowledge = a_part(support_engine), support_engine.knowledge()
    likely = dataclasses.replace(part, in_scope=POINTER_IN_SCOPE + 0.01)
    citations = Citations(TODAY)

    refused = compose_reply([likely], knowledge, citations, threshold=1.0, urgent=False)

    lead = max(part.chosen.sentences, key=lambda s: s.score).passage.chunk
    assert refused.refused and refused.reason == "not_covered"
    assert refused.text.startswith(NOT_CONFIRMED) and refused.nearest == lead.chunk_id
    assert f"“{lead.info.title} – {lead.section}” [1]." in refused.text
    assert (citations.sources[0].doc_id, citations.sources[0].section) == (
        lead.info.doc_id,
        lead.section,
    )
    assert "15 working days" not in refused.text and "15 working days" in refused.withheld
    urgent = compose_reply([likely], knowledge, Citations(TODAY), threshold=1.0, urgent=True)
    assert urgent.text.startswith(ACT_ON_ROUTE) and urgent.nearest == lead.chunk_id


def test_the_emergency_lines_start_with_999_and_cite_the_published_route(
    support_engine: AnswerEngine,
) -> None:
    citations = Citations(TODAY)
    lines = emergency_lines(support_engine.knowledge(), citations)
    assert lines[0] == CALL_999
    assert len(lines) > 1 and all("[" in line for line in lines[1:])
    assert citations.sources[0].doc_id == citations.retrieved[0].doc_id


def test_an_answer_cannot_be_changed_once_made(support_engine: AnswerEngine) -> None:
    answer = support_engine.ask(QUESTION, today=TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.answer = "something else"  # type: ignore[misc]


def test_the_parts_of_a_message_are_embedded_in_one_model_call(
    support_engine: AnswerEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    support_engine.knowledge()  # built before counting
    embedder = support_engine.index.embedder
    calls: list[list[str]] = []
    embed = embedder.embed
    monkeypatch.setattr(embedder, "embed", lambda texts: calls.append(texts) or embed(texts))
    second = "Who chairs a looked-after review?"
    one_by_one = [
        support_engine.ask(q, urgency=UrgencyAssessment(False)) for q in (QUESTION, second)
    ]
    calls.clear()

    together = support_engine.ask(f"{QUESTION} {second}", urgency=UrgencyAssessment(False))

    assert [len(texts) for texts in calls] == [2]
    cited = {s.doc_id for s in together.sources}
    assert cited == {s.doc_id for answer in one_by_one for s in answer.sources}


def test_the_evidence_holds_the_scope_models_reading_of_the_query(
    support_engine: AnswerEngine,
) -> None:
    part = a_part(support_engine)
    expected = support_engine.scope.log_odds(part.retrieval.vector)
    assert part.evidence["topic_in_scope"] == pytest.approx(expected)
    (vector,) = support_engine.query_vectors(QUESTION)
    assert np.allclose(vector, part.retrieval.vector, atol=1e-5)
