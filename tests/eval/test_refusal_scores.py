"""How a refusal is scored: it states no fact, and its pointer to a section is judged apart."""

from __future__ import annotations

from typing import Any

from eval.questions import Question
from eval.runner import score_response, summarise

QUESTION = Question(
    id="sa",
    question="single assesment max timescale from referral??",
    kind="answerable",
    must_include=["45 working days"],
)
OUT_OF_SCOPE = Question(id="pay", question="when is payday?", kind="out_of_scope")


def chunk(chunk_id: str, text: str) -> dict[str, Any]:
    return {
        "chunk_id": chunk_id,
        "doc_id": "single-assessment",
        "title": "Single assessment",
        "section": "Timescales",
        "text": text,
        "score": 0.0,
        "dense_score": None,
        "keyword_score": None,
    }


def response(answer: str, refused: bool, nearest: str = "") -> dict[str, Any]:
    return {
        "answer": answer,
        "refused": refused,
        "reason": "not_covered" if refused else "answered",
        "urgent": False,
        "emergency": [],
        "sources": [{"n": 1, "doc_id": "single-assessment"}],
        "retrieved": [
            chunk("a", "The maximum is 45 working days from referral."),
            chunk("b", "An assessment should be analytical."),
        ],
        "withheld_answer": "The maximum is 45 working days from referral [1].",
        "confidence": 0.5,
        "nearest_chunk": nearest,
        "latency_ms": 1.0,
    }


def record(question: Question, answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": question.kind,
        "category": "procedure",
        "tags": [],
        "latency_ms": 1.0,
        "response": answer,
        "scores": score_response(question, answer),
    }


def test_a_refusal_states_no_fact_even_when_its_signpost_names_one() -> None:
    text = "I could not confirm an answer. The nearest section is “45 working days” [1]."
    refused = score_response(QUESTION, response(text, refused=True, nearest="a"))
    assert refused["exact_pass"] is False and refused["fact_recall"] == 0.0
    assert refused["citations_valid"] is True  # its [1] is still checked
    answered = score_response(QUESTION, response("It is 45 working days [1].", refused=False))
    assert answered["exact_pass"] is True and answered["pointed_to_answer"] is None


def test_a_wrong_refusal_points_to_the_answer_only_if_its_section_states_it() -> None:
    to_answer = record(QUESTION, response("…", refused=True, nearest="a"))
    elsewhere = record(QUESTION, response("…", refused=True, nearest="b"))
    nowhere = record(QUESTION, response("…", refused=True))
    pointed = record(OUT_OF_SCOPE, response("…", refused=True, nearest="b"))
    assert [r["scores"]["pointed_to_answer"] for r in (to_answer, elsewhere, nowhere)] == [
        True,
        False,
        False,
    ]
    summary = summarise([to_answer, elsewhere, nowhere, pointed])
    assert summary["refusals_pointing_to_answer"] == round(1 / 3, 4)
    assert summary["oos_pointed"] == 1.0
