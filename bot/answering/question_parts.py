"""What a message asks: its question or questions, apart from the situation told before them.

"new referral just landed at the front door, how long have we got to decide?" asks one
question after a situation: the whole message is searched (the situation says what it is
about) and the question says what kind of answer is wanted. "how long does an EPO last and
can it be extended?" asks two, and each is answered on its own; in "private fostering visits -
how often in year 1, and how often after that?" the situation says what both are about.
"""

from __future__ import annotations

import re

_ASKING = (
    r"(?:what|whats|what's|wat|how|hows|how's|when|whens|when's|who|whos|who's|which|why|"
    r"where|is|isn't|are|aren't|does|doesn't|do|don't|did|can|can't|could|should|shall|must|"
    r"would|will|has|have|any|am|may)"
)
_QUESTION_START = re.compile(rf"^\W*(?:(?:and|also|plus|so|but|then)\s+)?{_ASKING}\b", re.I)
# Sentence ends in chat: punctuation, line breaks, a dash between clauses, a semicolon.
_SENTENCE_END = re.compile(r"(?<=[?!.])\s+|\n+|\s+[-–—]\s+|;\s*")
# A comma before a question: "strat was this morning, how long have we got?"
_COMMA_BEFORE_QUESTION = re.compile(rf",\s+(?={_ASKING}\b)", re.IGNORECASE)
# One sentence asking two things: "how long does it last and can it be extended?"
_SECOND_QUESTION = re.compile(
    rf"\s*(?:\?|,)?\s+(?:and|also|plus|&|or)\s+(?={_ASKING}\b)|\s*\?\s*(?:and\s+|also\s+)?(?=\S)",
    re.IGNORECASE,
)
# "when"/"where" opening a clause rather than a question: a question puts the verb next
# ("when does the ICPC happen"), a clause the subject ("when the police take a child…, how long
# can they keep them?"); such a clause tells the situation of the question after it.
_CLAUSE = re.compile(
    r"^\W*(?:when|where)\s+(?!(?:does|do|did|is|are|was|were|will|would|can|could|should|"
    r"shall|must|has|have|had|may|might|am)\b)",
    re.IGNORECASE,
)
_ENUMERATED = re.compile(r"(?:^|\s)(?:\(?[1-4][).]|[a-d]\))\s+")
MIN_PART_WORDS = 3


def question_parts(message: str) -> list[str]:
    """The questions a message asks, in order; the whole message when none is recognised."""
    parts: list[str] = []
    for sentence in _sentences(message):
        if not _is_question(sentence):
            continue
        for part in _SECOND_QUESTION.split(sentence):
            part = part.strip(" ,")
            if len(part.split()) >= MIN_PART_WORDS or (part and not parts):
                parts.append(part)
    return parts or [message.strip()]


def situation(message: str) -> str:
    """What the message says besides its questions: the sentences that ask nothing."""
    return " ".join(s for s in _sentences(message) if not _is_question(s))


def _sentences(message: str) -> list[str]:
    pieces = []
    for piece in _SENTENCE_END.split(message):
        pieces += _COMMA_BEFORE_QUESTION.split(piece)
    pieces = [p for chunk in pieces for p in _ENUMERATED.split(chunk)]
    return [p.strip() for p in pieces if p and p.strip()]


def _is_question(sentence: str) -> bool:
    if sentence.rstrip().endswith("?"):
        return True
    return bool(_QUESTION_START.match(sentence)) and not _CLAUSE.match(sentence)
