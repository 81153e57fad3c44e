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
# Changed whenever `content_terms` would give other terms for the same text: a keyword index
# saved with another version is rebuilt from the store, never searched with mismatched terms.
# 2: a possessive 's is dropped ("BCFT's" -> "bcft"; it was "bcfts", which no stemmer undoes).
TERMS_VERSION = 2


def words(text: str) -> list[str]:
    """Lower-case word tokens, a possessive 's dropped ("BCFT's" -> "bcft") and other
    apostrophes folded ("don't" -> "dont")."""
    tokens = _WORD.findall(text.lower().replace("’", "'"))
    return [w[:-2] if w.endswith("'s") else w.replace("'", "") for w in tokens]


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
    """Split prose into sentences; each list item and each line of a block is its own unit.

    A line that introduces a list ("… has three priorities:") means nothing alone, so it is
    also given joined to its items ("… has three priorities: a; b; c.").
    """
    sentences: list[str] = []
    lines = _join_wrapped_lines(text)
    for i, (line, _) in enumerate(lines):
        parts = _split_line(line)
        items = _list_after(lines, i) if line.endswith(":") else []
        if items and len(joined := f"{parts[-1]} {'; '.join(items)}") <= _MAX_JOINED:
            parts[-1] = joined.rstrip(".") + "."
        sentences.extend(parts)
    return [s for s in (s.strip() for s in sentences) if s]


_MAX_JOINED = 600


def _list_after(lines: list[tuple[str, bool]], i: int) -> list[str]:
    """The list items that directly follow line i."""
    items = []
    for line, bullet in lines[i + 1 :]:
        if not bullet:
            break
        items.append(line.rstrip(".;"))
    return items


def _join_wrapped_lines(text: str) -> list[tuple[str, bool]]:
    """Lines with whether each is a list item; hard-wrapped prose lines are joined together."""
    lines: list[tuple[str, bool]] = []
    paragraph_ended = True
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            paragraph_ended = True
            continue
        bullet = bool(_BULLET.match(line))
        if bullet or line.startswith("#") or paragraph_ended:
            lines.append((_BULLET.sub("", line), bullet))
            paragraph_ended = False
        else:
            lines[-1] = (f"{lines[-1][0]} {line}", lines[-1][1])
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
