"""Where to turn: the emergency route and who to ask, read from the contacts documents.

The urgent banner always starts with 999. The Trust's own routes are added only when a
published contacts document states them, so the bot never invents a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bot.documents import Chunk
from bot.sentence_index import SentenceIndex
from bot.sentences import chunk_sentences

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
# A line about a particular kind of question (another area's procedures, a conference)
# replaces the general one only when it is this much closer to the question in meaning
# (cosine): an unrelated question gets the general advice, not a near-random specific one.
SPECIFIC_MARGIN = 0.1


def emergency_routes(ranked: list[Chunk]) -> list[Signpost]:
    """Sentences of the best-ranked contacts chunks that give an urgent phone route."""
    routes = [
        Signpost(text, chunk)
        for chunk in ranked
        for text in chunk_sentences(chunk.text)
        if PHONE.search(text.replace("999", "")) and _URGENT_WORDS.search(text)
    ]
    return routes[:MAX_ROUTES]


@dataclass(frozen=True)
class AskRoutes:
    """The sentences of the contacts documents that say whom to ask, with their vectors."""

    signposts: list[Signpost]
    vectors: np.ndarray
    general: int  # the line for any question: the one closest to WHO_TO_ASK_QUERY

    def best_for(self, vector: np.ndarray) -> Signpost | None:
        """The general line, or a specific one clearly closer to the question (another
        area's procedures get the line about the procedures manuals)."""
        if not self.signposts:
            return None
        similarity = self.vectors @ vector
        best = int(np.argmax(similarity))
        specific = similarity[best] - similarity[self.general] >= SPECIFIC_MARGIN
        return self.signposts[best if specific else self.general]


def ask_routes(
    sentences: SentenceIndex, chunks: dict[str, Chunk], general: np.ndarray
) -> AskRoutes:
    """Every contacts sentence that tells a reader whom to ask (and gives no phone number);
    `general` is the vector of WHO_TO_ASK_QUERY."""
    rows = [
        row
        for row, text in enumerate(sentences.texts)
        if sentences.categories[row] == "contacts"
        and sentences.quotable[row]
        and sentences.chunk_ids[row] in chunks
        and _ASK_WORDS.search(text)
        and not PHONE.search(text)
        and len(text.split()) >= 6
    ]
    vectors = sentences.vectors[rows]
    return AskRoutes(
        [Signpost(sentences.texts[row], chunks[sentences.chunk_ids[row]]) for row in rows],
        vectors,
        int(np.argmax(vectors @ general)) if rows else 0,
    )
