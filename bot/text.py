"""Small text helpers shared by the keyword index and the answerer: words, stems, sentences."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves also im ive id youre
    dont doesnt isnt arent wasnt whats hows whos theres heres lets tell please thanks thank hi hello
    know need needs want wants get got getting go going mean means much many really actually
    someone something anyone anything ok okay yes us
    """.split()
)

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_stemmer = Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-case word tokens, apostrophes folded ("child's" -> "childs")."""
    return [w.replace("'", "") for w in _WORD.findall(text.lower().replace("’", "'"))]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def content_terms(text: str) -> list[str]:
    """Stemmed words without stopwords: what BM25 indexes and what overlap is measured on."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


# Sentence splitting: break after . ! ? when the next thing starts a new sentence, but not
# after common abbreviations ("e.g.", "s.47", "No.") or inside numbers ("1.5").
_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs no nos s ss para paras cf approx dr mr mrs ms st co ltd inc fig ch".split()
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences; each list item and each line of a block is its own unit."""
    sentences: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        for line in _join_wrapped_lines(block):
            sentences.extend(_split_line(line))
    return [s for s in (s.strip() for s in sentences) if s]


def _join_wrapped_lines(block: str) -> list[str]:
    """List items stay separate; hard-wrapped prose lines are joined back together."""
    lines: list[str] = []
    for raw in block.splitlines():
        line = raw.strip()
        if not line:
            continue
        if _BULLET.match(line) or line.startswith("#") or not lines:
            lines.append(_BULLET.sub("", line))
        else:
            lines[-1] = f"{lines[-1]} {line}"
    return lines


def _split_line(line: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(line):
        candidate = line[start : match.start()]
        last_word = candidate.rsplit(None, 1)[-1].rstrip(".").lower() if candidate else ""
        if last_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word):
            continue
        parts.append(candidate)
        start = match.end()
    parts.append(line[start:])
    return parts
