"""What answering reads for one generation of the index, worked out once and never changed.

The snapshot holds what ingest made (chunks, keyword index, sentence vectors); from it and the
practice leads' word lists come the glossary that expands questions, the spelling corrector
that takes them to the knowledge base's words, and the signposts every answer may need: the
emergency routes and the who-to-ask lines. A new generation, or new word lists, gets a new
`Knowledge`, published with one assignment; a question keeps the one it started with.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.answering.signposts import (
    EMERGENCY_QUERY,
    WHO_TO_ASK_QUERY,
    AskRoutes,
    Signpost,
    ask_routes,
    emergency_routes,
)
from bot.index import Snapshot
from bot.retrieval.glossary import Glossary, widespread_terms
from bot.retrieval.lexicon import QueryLexicon
from bot.retrieval.retriever import Retriever
from bot.retrieval.spelling import SpellingCorrector

# Documents read to tell which glossary terms most documents mention: enough to place a share
# near one half within a few points, at a bounded cost however large the knowledge base.
_SAMPLED_DOCUMENTS = 200
_SAMPLED_CHUNKS = 50  # the longest shipped document has 17
# Contacts passages the emergency routes are taken from.
_EMERGENCY_PASSAGES = 4


@dataclass(frozen=True)
class Knowledge:
    """The snapshot answering reads, and what is derived from it with the word lists."""

    snapshot: Snapshot
    lexicon: QueryLexicon
    glossary: Glossary  # the glossary documents' terms and the lexicon's synonyms
    speller: SpellingCorrector  # to the words of this generation of the knowledge base
    emergency: list[Signpost]  # published emergency routes, after the 999 line
    ask: AskRoutes  # who to ask, by topic

    @property
    def generation(self) -> str:
        return self.snapshot.generation


def _document_texts(snapshot: Snapshot) -> list[str]:
    """The text of each published document other than the glossary, or of an even sample of
    them in a large knowledge base (of a long document, at most `_SAMPLED_CHUNKS` chunks)."""
    by_document: dict[str, list[str]] = {}
    for chunk in snapshot.chunks.chunks.values():
        if chunk.info.status == "published" and chunk.info.category != "glossary":
            by_document.setdefault(chunk.doc_id, []).append(chunk.text)
    ids = sorted(by_document)
    step = max(1, len(ids) // _SAMPLED_DOCUMENTS)
    return [" ".join(by_document[i][:_SAMPLED_CHUNKS]) for i in ids[::step]]


def build_knowledge(snapshot: Snapshot, lexicon: QueryLexicon, retriever: Retriever) -> Knowledge:
    """Everything derived for `snapshot` and `lexicon`; `retriever` finds the signposts."""
    entries = [
        *Glossary.from_chunks(snapshot.chunks.published("glossary")).entries,
        *lexicon.entries(),
    ]
    glossary = Glossary(entries, widespread_terms(entries, _document_texts(snapshot)))
    names = [name for entry in glossary.entries for name in entry.names]
    sentences = snapshot.sentences
    # The knowledge base's own words, not its anticipated questions (typed as chat, typos too).
    written = [
        text for text, asked in zip(sentences.texts, sentences.asked, strict=True) if not asked
    ]
    speller = SpellingCorrector.from_texts([*written, *names])
    urgent = retriever.retrieve(
        EMERGENCY_QUERY,
        _EMERGENCY_PASSAGES,
        snapshot=snapshot,
        glossary=glossary,
        category="contacts",
    )
    contacts = {c.chunk_id: c for c in snapshot.chunks.published("contacts")}
    who_to_ask = retriever.index.embedder.embed([WHO_TO_ASK_QUERY])[0]
    return Knowledge(
        snapshot=snapshot,
        lexicon=lexicon,
        glossary=glossary,
        speller=speller,
        emergency=emergency_routes([r.chunk for r in urgent.chunks]),
        ask=ask_routes(snapshot.sentences, contacts, who_to_ask),
    )
