"""Follow-ups: "who chairs it?" means nothing without the question before it.

A question that continues an earlier one (it starts "and…", "what about…", or is short and
points back with "it", "that", "they") is searched with the earlier question's topic: its
rarest words, most recent question first (historical query expansion, Lin et al. 2020). Only
the topic travels, not the earlier wording, so "how long…?" then "and who chairs it?" still
asks who, not how long. A follow-up about a person ("what did she do before?") means someone
the last answer named, not the question: the names that answer gave travel too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.text import STOPWORDS, content_terms, stem, words

_CONTINUES = re.compile(r"^\s*(?:and|also|but|so|then|what about|how about|what if)\b", re.I)
_REFERS_BACK = re.compile(
    r"\b(?:it|its|that|this|they|them|their|those|these|there|he|she|his|her|one)\b", re.I
)
_SHORT = 3  # content words: a question this short leans on the one before
TOPIC_WORDS = 3  # rare words carried over from earlier questions
_PERSON = re.compile(r"\b(?:he|she|him|her|his|hers|himself|herself)\b", re.I)
# A name: two or more capitalised words ("Charlotte Ramsden"); leading stop words are not part
# of it ("In December", "The Children").
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+\b")
NAMES_CARRIED = 2  # the first names the last answer gives: whom it was about


def is_follow_up(question: str) -> bool:
    """Does the question continue an earlier one rather than stand alone?"""
    if _CONTINUES.search(question):
        return True
    return bool(_REFERS_BACK.search(question)) and len(content_terms(question)) <= _SHORT


def with_topic(
    question: str, earlier: Sequence[str], idf: Callable[[str], float], last_answer: str = ""
) -> str:
    """The question, followed by the rarest words of the earlier ones if it follows on, and
    by the names `last_answer` gave if it speaks of a person."""
    if not (earlier or last_answer) or not is_follow_up(question):
        return question
    people = names_in(last_answer)[:NAMES_CARRIED] if _PERSON.search(question) else []
    asked = set(content_terms(question))
    carried: list[str] = []
    for text in reversed(earlier):
        candidates = [
            w for w in dict.fromkeys(words(text)) if w not in STOPWORDS and stem(w) not in asked
        ]
        candidates.sort(key=lambda w: -idf(stem(w)))
        carried += [w for w in candidates if w not in carried][: TOPIC_WORDS - len(carried)]
        if len(carried) >= TOPIC_WORDS:
            break
    topic = [*people, *carried]
    return f"{question} ({' '.join(topic)})" if topic else question


def names_in(text: str) -> list[str]:
    """The names (two or more capitalised words) a text gives, in order, each once."""
    names = []
    for match in _NAME.finditer(text):
        parts = match.group(0).split()
        while parts and parts[0].lower() in STOPWORDS:
            parts.pop(0)
        if len(parts) >= 2:
            names.append(" ".join(parts))
    return list(dict.fromkeys(names))
