"""Follow-up questions: "who chairs it?" means nothing without the question before it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.text import content_terms

_CONTINUES = re.compile(r"^\s*(?:and|also|but|so|then|what about|how about|what if)\b", re.I)
_REFERS_BACK = re.compile(
    r"\b(?:it|its|that|this|they|them|their|those|these|there|he|she|his|her|one)\b", re.I
)
_SHORT = 3  # content words: a question this short leans on the one before


def is_follow_up(question: str) -> bool:
    """Does the question continue the previous one rather than stand alone?"""
    if _CONTINUES.search(question):
        return True
    return bool(_REFERS_BACK.search(question)) and len(content_terms(question)) <= _SHORT


def contextualise(question: str, history: Sequence[str]) -> str:
    """The text to search with: the question, joined to the last one if it follows on."""
    if history and is_follow_up(question):
        return f"{history[-1]} {question}"
    return question
