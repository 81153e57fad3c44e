"""What answering reads per generation: built once, never changed, replaced whole."""

from __future__ import annotations

from pathlib import Path

from bot.answering.engine import AnswerEngine
from bot.index import KnowledgeIndex
from bot.lexicons import Lexicons
from bot.retrieval.lexicon import QueryLexicon
from bot.safety.risk_lexicon import load_risk_lexicon
from ingest.pipeline import run_ingest
from tests.support.documents import write_markdown

CONTACTS = {
    "Emergencies": "The Integrated Front Door number for a child at immediate risk of "
    "significant harm is 01274 435600.",
    "Who to ask": "For questions about supervision, ask your team manager first.",
}


def test_knowledge_is_built_once_per_generation_and_replaced_whole(
    index: KnowledgeIndex, tmp_path: Path
) -> None:
    kb = tmp_path / "kb"
    write_markdown(kb, "contacts", CONTACTS, category="contacts")
    lado = {"LADO — Local authority designated officer": "Handles allegations against staff."}
    write_markdown(kb, "glossary", lado, category="glossary")
    run_ingest([kb], index)
    engine = AnswerEngine(index, index.settings)

    first = engine.knowledge()
    assert engine.knowledge() is first  # the same generation: nothing rebuilt
    assert "designated officer" in first.glossary.expand("who is the LADO?").lower()
    assert any("01274 435600" in route.text for route in first.emergency)
    assert first.speller.correct("signifcant harm") == "significant harm"

    edt = {"EDT — Emergency Duty Team": "Out of hours."}
    write_markdown(kb, "glossary", edt, category="glossary")
    run_ingest([kb], index)
    second = engine.knowledge()

    assert second is not first and second.generation != first.generation
    assert "emergency duty team" in second.glossary.expand("ring the EDT").lower()
    assert "designated officer" in first.glossary.expand("the LADO").lower()  # kept as it was

    lexicon = QueryLexicon(shorthand={}, synonyms=(("zebra huddle", "core group"),))
    engine.use_lexicons(Lexicons(load_risk_lexicon(), lexicon))
    third = engine.knowledge()
    assert third is not second and third.snapshot is second.snapshot
    assert "core group" in third.glossary.expand("the zebra huddle")


def test_a_glossary_term_most_documents_mention_is_known_as_widespread(
    index: KnowledgeIndex, tmp_path: Path
) -> None:
    kb = tmp_path / "kb"
    write_markdown(kb, "contacts", CONTACTS, category="contacts")
    front_door = {"Referrals": "Send every referral to the Integrated Front Door."}
    write_markdown(kb, "referrals", front_door, category="procedure")
    lado = {"Allegations": "Allegations against staff go to the LADO."}
    write_markdown(kb, "allegations", lado, category="procedure")
    terms = {
        "IFD — Integrated Front Door": "The service that takes contacts.",
        "LADO — Local authority designated officer": "Handles allegations against staff.",
    }
    write_markdown(kb, "glossary", terms, category="glossary")
    run_ingest([kb], index)

    glossary = AnswerEngine(index, index.settings).knowledge().glossary
    assert glossary.widespread == {"IFD"}  # named in two of the three other documents
    assert glossary.expand("who runs the IFD?") == "who runs the IFD?"
    assert "Integrated Front Door" in glossary.expand("what is the IFD?", defining=True)
