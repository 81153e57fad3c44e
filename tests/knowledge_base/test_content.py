"""The shipped knowledge base: complete metadata, working links, and only the fact pack's facts.

`tests/data/fact_pack/` is a copy of the public fact pack the documents were written from.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from bot.documents import CATEGORIES
from bot.text import split_sentences
from ingest.chunking import chunk_document
from ingest.loaders import load_document
from ingest.metadata import split_front_matter

PROJECT = Path(__file__).resolve().parents[2]
KB = PROJECT / "knowledge_base"
FACT_PACK = PROJECT / "tests" / "data" / "fact_pack"
FILES = sorted(KB.rglob("*.md"))

NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
    "fourteen": "14", "fifteen": "15", "twenty": "20", "twenty-six": "26", "forty-five": "45",
}  # fmt: skip
TIMESCALE = re.compile(
    r"\b(\d+|" + "|".join(NUMBER_WORDS) + r")[ -](working days?|days?|weeks?|months?|hours?)\b",
    re.IGNORECASE,
)
PHONE = re.compile(r"\b0\d{3,4}\s?\d{3}\s?\d{3,4}\b")


def timescales(text: str) -> set[str]:
    """Every "<number> <unit>" in a text, numbers as digits and units singular."""
    found = set()
    for number, unit in TIMESCALE.findall(text):
        digits = NUMBER_WORDS.get(number.lower(), number)
        found.add(f"{digits} {unit.lower().rstrip('s')}")
    return found


@pytest.fixture(scope="module")
def fact_pack() -> str:
    files = sorted(FACT_PACK.glob("*.md"))
    assert files, f"the fact pack copy is missing from {FACT_PACK}"
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


@pytest.fixture(scope="module")
def documents():
    return {path: load_document(path, str(path.relative_to(PROJECT)), 5) for path in FILES}


def test_there_are_enough_documents_and_facts(documents) -> None:
    assert len(documents) >= 35
    statements = {
        s
        for doc in documents.values()
        for chunk in chunk_document(doc, 900, 0)
        for s in split_sentences(chunk.text)
        if len(s.split()) >= 5
    }
    assert len(statements) >= 250


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_front_matter_is_complete(path: Path) -> None:
    meta, _ = split_front_matter(path.read_text(encoding="utf-8"))
    assert meta.id == path.stem
    assert meta.title and meta.owner
    assert meta.category == path.parent.name and meta.category in CATEGORIES
    assert meta.status in ("published", "draft")
    assert isinstance(meta.last_reviewed, date) and isinstance(meta.review_due, date)
    assert meta.review_due > meta.last_reviewed
    assert meta.sources and all(
        url.startswith("https://") or url.startswith("http://") for url in meta.sources
    )


def test_ids_are_unique(documents) -> None:
    ids = Counter(doc.info.doc_id for doc in documents.values())
    assert [doc_id for doc_id, n in ids.items() if n > 1] == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_links_between_documents_resolve(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    targets = re.findall(r"\]\((?!https?://|mailto:|#)([^)#\s]+)", text)
    missing = [t for t in targets if not (path.parent / t).resolve().is_file()]
    assert missing == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_timescale_is_one_the_fact_pack_gives(path: Path, fact_pack: str) -> None:
    allowed = timescales(fact_pack)
    assert sorted(timescales(path.read_text(encoding="utf-8")) - allowed) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_phone_number_comes_from_the_fact_pack(path: Path, fact_pack: str) -> None:
    pack = {re.sub(r"\s", "", n) for n in PHONE.findall(fact_pack)}
    numbers = {re.sub(r"\s", "", n) for n in PHONE.findall(path.read_text(encoding="utf-8"))}
    assert sorted(numbers - pack) == []


def test_documents_are_written_in_their_own_words(documents, fact_pack: str) -> None:
    """No run of 12 words of prose is copied from the fact pack (the Sources lists aside)."""

    def runs(text: str, n: int = 12) -> set[str]:
        tokens = re.findall(r"[a-z0-9]+", text.lower())
        return {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}

    pack = runs(re.sub(r"https?://\S+", " ", fact_pack))
    copied = {}
    for doc in documents.values():
        prose = " ".join(chunk.text for chunk in chunk_document(doc, 900, 0))  # no Sources list
        overlap = runs(re.sub(r"https?://\S+", " ", prose)) & pack
        if overlap:
            copied[doc.info.doc_id] = sorted(overlap)[:3]
    assert copied == {}


def test_the_lexicon_speaks_the_knowledge_bases_words(documents) -> None:
    """Every word the terms file gives as the knowledge base's own is found there; a synonym
    group none of whose names the knowledge base uses could never help a search."""
    from bot.lexicons import load_lexicons
    from bot.text import content_terms

    lexicon = load_lexicons(KB / "lexicon").terms
    text = " ".join(document.text for document in documents.values())
    used = set(content_terms(text))
    missing = [
        expansion
        for expansion in lexicon.shorthand.values()
        if not set(content_terms(expansion)) <= used
    ]
    missing += [
        " / ".join(group)
        for group in lexicon.synonyms
        if not any(set(content_terms(name)) <= used for name in group)
    ]
    assert missing == []
    assert lexicon.shorthand and lexicon.synonyms


def test_gap_statements_use_the_phrase_the_bot_recognises(documents) -> None:
    """Documents say what the public record does not hold in words the bot recognises, so a
    question answered by such a sentence is recorded as a knowledge gap."""
    from bot.sentences import chunk_sentences, states_a_gap

    gaps = [
        sentence
        for document in documents.values()
        for sentence in chunk_sentences(document.text)
        if "public record" in sentence.lower() and ("not" in sentence.lower().split())
    ]
    assert len(gaps) >= 20
    assert [g for g in gaps if not states_a_gap(g)] == []
