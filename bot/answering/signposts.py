"""Where to turn: the emergency route and who to ask, read from the contacts documents.

The urgent banner always starts with 999. The Trust's own routes are added only when a
published contacts document states them, so the bot never invents a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bot.answering.extractive import clean_sentence
from bot.documents import Chunk
from bot.embedding import Embedder
from bot.retrieval.retriever import RetrievalResult
from bot.text import split_sentences

CALL_999 = "Call 999 now if a child is in immediate danger."
PHONE = re.compile(r"(?<!\d)(?:0\d{3,4}\s?\d{3}\s?\d{3,4}|999)(?!\d)")
_URGENT_WORDS = re.compile(
    r"\b(?:immediate|emergency|urgent|significant harm|out of hours|danger)\b", re.IGNORECASE
)
_ASK_WORDS = re.compile(r"\b(?:ask|advice|unsure|not sure|talk to|speak to)\b", re.IGNORECASE)
MAX_ROUTES = 2


@dataclass(frozen=True)
class Signpost:
    """A sentence from a contacts document, with the chunk it cites."""

    text: str
    chunk: Chunk


EMERGENCY_QUERY = "emergency phone number when a child is at immediate risk of significant harm"
WHO_TO_ASK_QUERY = "this guide does not answer my question: who should I ask first?"


def emergency_routes(ranked: list[Chunk]) -> list[Signpost]:
    """Sentences of the best-ranked contacts chunks that give an urgent phone route."""
    routes = [
        Signpost(text, chunk)
        for chunk in ranked
        for text in map(clean_sentence, split_sentences(chunk.text))
        if PHONE.search(text.replace("999", "")) and _URGENT_WORDS.search(text)
    ]
    return routes[:MAX_ROUTES]


def who_to_ask(retrieval: RetrievalResult, embedder: Embedder) -> Signpost | None:
    """The sentence of the retrieved contacts chunks that best says whom to ask."""
    candidates = [
        Signpost(text, r.chunk)
        for r in retrieval.chunks
        for text in map(clean_sentence, split_sentences(r.chunk.text))
        if _ASK_WORDS.search(text) and not PHONE.search(text) and len(text.split()) >= 6
    ]
    if not candidates:
        return None
    similarity = embedder.embed([c.text for c in candidates]) @ retrieval.vector
    return candidates[int(np.argmax(similarity))]
