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
    proper_noun: bool = False

    def covered_by(self, terms: set[str]) -> bool:
        return not self.terms.isdisjoint(terms)


def question_concepts(
    question: str, glossary: Glossary, idf: Callable[[str], float]
) -> list[Concept]:
    """The concepts of a question, weighted by how rare their words are in the index."""
    concepts: list[Concept] = []
    claimed: set[str] = set()
    for entry in glossary.matches(question):
        terms = frozenset(t for name in entry.names for t in content_terms(name))
        if terms:
            concepts.append(Concept(entry.term, terms, max(idf(t) for t in terms)))
            claimed |= {t for t in content_terms(" ".join(_names_in(question, entry.names)))}
    proper = set(_proper_nouns(question))
    for word in dict.fromkeys(words(question)):
        terms = frozenset(content_terms(word))
        if not terms or terms <= claimed or terms <= _DOMAIN_WORDS:
            continue
        (term,) = terms
        concepts.append(Concept(word, terms, idf(term), proper_noun=word in proper))
    return concepts


_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
# What kind of answer a question wants, and what a sentence of that kind looks like.
_ANSWER_TYPES = [
    (
        re.compile(
            r"\b(?:when|how (?:soon|long|quickly|often|fast|frequently)|by when|timescales?|"
            r"time limits?|deadlines?|how many (?:days|weeks|months|hours|years))\b",
            re.IGNORECASE,
        ),
        re.compile(
            r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen)\s+"
            rf"(?:working days?|days?|weeks?|months?|hours?|years?)\b|\b(?:{_MONTHS})\b|"
            r"\b(?:19|20)\d\d\b|\b(?:annually|yearly|monthly|weekly|daily)\b",
            re.IGNORECASE,
        ),
    ),
    (
        re.compile(
            r"\bhow (?:many|much)\b|\bwhat (?:percentage|proportion)\b|"
            r"\b(?:phone|telephone) number\b|\b(?:what|which) number\b",
            re.IGNORECASE,
        ),
        re.compile(r"\d"),
    ),
    (
        re.compile(r"^\s*who\b|\bwho (?:is|was|are|were|chairs?|leads?|runs?|decides?)\b", re.I),
        re.compile(
            r"\b(?:chairs?|officers?|managers?|directors?|executive|commissioner|workers?|"
            r"advisers?|leads?|leaders?|practitioners?|partners?|police|panel|board|team|"
            r"service|secretary|council|trust)\b|\b[A-Z][a-z]+ [A-Z][a-z]+\b"
        ),
    ),
]


def answer_type(question: str) -> re.Pattern[str] | None:
    """A pattern that sentences of the wanted kind match ("when…?" -> a time), if any."""
    for asks, looks_like in _ANSWER_TYPES:
        if asks.search(question):
            return looks_like
    return None


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


def _proper_nouns(question: str) -> list[str]:
    """Capitalised words that do not start a sentence, lower-cased ("Leeds" -> "leeds")."""
    tokens = question.split()
    found = []
    for i, token in enumerate(tokens):
        word = token.strip("'\"()[],.?!:;")
        starts_sentence = i == 0 or tokens[i - 1][-1:] in ".!?"
        if not starts_sentence and re.fullmatch(r"[A-Z][a-z]{2,}", word):
            found.append(word.lower())
    return found
