"""What a question is about: its concepts, each with the words that express it and a weight.

A glossary term is one concept whatever name the question uses ("LADO" or "designated
officer"); every other content word is a concept of its own. Rare words weigh more than
common ones, so an answer must cover what is specific about the question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.retrieval.glossary import Glossary
from bot.text import content_terms, words

# Words every question in this domain uses; they say nothing about which answer is right.
_DOMAIN_WORDS = frozenset(
    content_terms(
        "social worker workers work working bradford trust bcft child children young people "
        "person family families new starter starters guide rule rules happen happens"
    )
)


@dataclass(frozen=True)
class Concept:
    """One thing the question asks about."""

    label: str
    terms: frozenset[str]
    weight: float
    unknown: bool = False  # no document uses the word: the question may be about something else

    def covered_by(self, terms: set[str]) -> bool:
        return not self.terms.isdisjoint(terms)


def question_concepts(
    question: str,
    glossary: Glossary,
    idf: Callable[[str], float],
    known: Callable[[str], bool],
) -> list[Concept]:
    """The concepts of a question, weighted by how rare their words are in the index.

    `known` tells whether any document uses a (stemmed) word at all.
    """
    concepts: list[Concept] = []
    claimed: set[str] = set()
    for entry in glossary.matches(question):
        terms = frozenset(t for name in entry.names for t in content_terms(name))
        if terms:
            concepts.append(Concept(entry.term, terms, max(idf(t) for t in terms)))
            claimed |= {t for t in content_terms(" ".join(_names_in(question, entry.names)))}
    for word in dict.fromkeys(words(question)):
        terms = frozenset(content_terms(word))
        if not terms or terms <= claimed or terms <= _DOMAIN_WORDS:
            continue
        (term,) = terms
        concepts.append(Concept(word, terms, idf(term), unknown=not known(term)))
    return concepts


_NUMBER = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty)"
_SPAN = rf"\b{_NUMBER}\s+(?:working days?|days?|weeks?|months?|hours?|years?)\b"
_PERIODIC = r"\b(?:annually|yearly|monthly|weekly|daily|every|at least|within|no later than)\b"
# An age: "aged 16", "under 18", "until they are 21", "16 and 17-year-olds".
_AGE = (
    r"\b(?:aged?|ages|under|over|until|up to|turns?|turning|reach(?:es)?)\s+(?:the age of\s+)?"
    r"\d{1,2}\b|\b\d{1,2}(?:\s+and\s+\d{1,2})?[- ]year[- ]olds?\b|\b\d{1,2}th birthday\b"
)
# How often something happens: "every 6 months", "at least monthly", "twice a year".
_FREQUENCY = (
    rf"\b(?:every|each)\s+(?:{_NUMBER}\s+)?(?:working\s+)?(?:days?|weeks?|months?|years?)\b|"
    r"\b(?:annually|yearly|monthly|weekly|daily|fortnightly|quarterly)\b|\bintervals? of\b|"
    rf"\b(?:once|twice|{_NUMBER} times)\s+(?:a|an|per|each)\s+(?:day|week|month|year)\b"
)
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DATE = rf"\b(?:{_MONTHS})\b|\b(?:19|20)\d\d\b"
# A count or an amount, not a year: "10 areas", "1,500 staff", "£42.3m", "five".
_QUANTITY = (
    r"£\s?\d|(?<![\d£])(?!(?:19|20)\d\d\b)\d+(?:,\d{3})*(?:\.\d+)?\b|"
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|hundred|"
    r"thousand|million)\b"
)
_PHONE = r"\b0\d{2,4}[ -]?\d{3}[ -]?\d{3,4}\b|\b(?:999|111|101)\b"
_ROLE = (
    r"\b(?:chairs?|officers?|managers?|directors?|executive|commissioner|workers?|advisers?|"
    r"leads?|leaders?|practitioners?|partners?|police|panel|board|team|service|secretary|"
    r"council|trust)\b|\b[A-Z][a-z]+ [A-Z][a-z]+\b"
)


@dataclass(frozen=True)
class AnswerType:
    """The kind of answer a question wants, and what a sentence of that kind contains."""

    name: str
    looks_like: re.Pattern[str]

    def fits(self, sentence: str, question: str) -> bool:
        """Does the sentence hold an answer of this kind that the question did not already say?"""
        asked = question.lower()
        return any(m.group(0).lower() not in asked for m in self.looks_like.finditer(sentence))


# "when" and "who" ask for a time or a person only where the question begins: in "how did
# staff describe it when Ofsted visited?" the "when" is a conjunction.
_OPENS = r"^\W*(?:(?:and|so|but|ok|also|then)\W+)?"
# Checked in order: the first kind whose question pattern matches is the one wanted.
# "definition" comes last: "what is the timescale for…" wants a time, not a definition.
_ANSWER_TYPES = [
    (
        r"\b(?:phone|telephone|mobile)\b|\bnumbers? (?:to|do i|should i) (?:call|ring)\b|"
        r"\b(?:what|which) number\b|\bring\b",
        AnswerType("phone", re.compile(_PHONE)),
    ),
    (
        r"\bhow (?:often|frequently)\b|\bhow many times (?:a|an|per|each)\b|\bfrequency\b",
        AnswerType("frequency", re.compile(_FREQUENCY, re.IGNORECASE)),
    ),
    (
        r"\bhow (?:soon|long|quickly|fast)\b|\bby when\b|\btimescales?\b|"
        r"\btime ?limits?\b|\bdeadlines?\b|\bhow many (?:days|weeks|months|hours|years)\b",
        AnswerType("duration", re.compile(f"{_SPAN}|{_PERIODIC}", re.IGNORECASE)),
    ),
    (
        rf"{_OPENS}when (?:did|was|were|will)\b|\bwhat (?:year|date|month)\b|\bsince when\b",
        AnswerType("date", re.compile(_DATE, re.IGNORECASE)),
    ),
    (
        rf"{_OPENS}when\b",
        AnswerType("time", re.compile(f"{_SPAN}|{_PERIODIC}|{_DATE}", re.IGNORECASE)),
    ),
    (
        r"\b(?:by|at|from|until|up to) what age\b|\bhow old\b|\bage limit\b",
        AnswerType("age", re.compile(_AGE, re.IGNORECASE)),
    ),
    (
        r"\bhow (?:many|much)\b|\bwhat (?:percentage|proportion)\b",
        AnswerType("quantity", re.compile(_QUANTITY, re.IGNORECASE)),
    ),
    (
        rf"{_OPENS}who\b|\bwho (?:is|was|are|were|chairs?|leads?|runs?|decides?)\b",
        AnswerType("person", re.compile(_ROLE)),
    ),
    (
        r"\b(?:mean|means|meaning|stand for|stands for|short for|define|definition|acronym|"
        r"abbreviation)\b|^\s*(?:what(?:'s| is| are)|whats|wat is|explain)\s+(?:an?\s+|the\s+)?"
        r"(?:[\w'-]+\s*){1,4}\??\s*$|"
        r"^\s*what (?:does|do) (?:an?\s+|the\s+)?(?:[\w'-]+\s+){1,3}do\b",
        AnswerType("definition", re.compile(r"\b(?:is|are|means|stands for|refers to|short)\b")),
    ),
]
_ASKS = [(re.compile(asks, re.IGNORECASE), kind) for asks, kind in _ANSWER_TYPES]


def answer_type(question: str) -> AnswerType | None:
    """The kind of answer the question wants ("when did…?" -> a date), if it says."""
    for asks, kind in _ASKS:
        if asks.search(question):
            return kind
    return None


def asks_meaning(wanted: AnswerType | None) -> bool:
    """Does a question wanting this kind of answer ask what a term means?"""
    return wanted is not None and wanted.name == "definition"


# Something described in everyday words, asking for its name: "what's the meeting where the
# family make their own plan called?", "which panel reviews child deaths?".
_ASKS_NAME = re.compile(
    r"\bcalled\b|\bname (?:of|for)\b|\bwhat(?:'s| is) (?:the|its|their) name\b|"
    r"\b(?:job )?title\b|\b(?:term|word) for\b|^\W*(?:and\s+)?which\s+[a-z]+\s+"
    r"(?!is\b|are\b|do\b|does\b|did\b|should\b|can\b|would\b|will\b)[a-z]+s\b",
    re.IGNORECASE,
)


def asks_name(question: str) -> bool:
    """Does the question describe something and ask what it is called?"""
    return bool(_ASKS_NAME.search(question))


def coverage(concepts: Iterable[Concept], terms: set[str]) -> float:
    """The weighted share of concepts that `terms` cover (1.0 when there is nothing to cover)."""
    concepts = list(concepts)
    total = sum(c.weight for c in concepts)
    if not total:
        return 1.0
    return sum(c.weight for c in concepts if c.covered_by(terms)) / total


def _names_in(question: str, names: Iterable[str]) -> list[str]:
    lowered = question.lower()
    return [name for name in names if name.lower() in lowered]
