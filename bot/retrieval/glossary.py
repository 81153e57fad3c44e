"""Acronym and synonym expansion, learned from the glossary documents in the index.

A glossary entry is a section headed `TERM — Expansion` (or just `Term`) whose text may start
with `Also called: a, b, c.` Every name of one entry is an equivalent way to ask about it, so
a question that uses one name is expanded with the others: "what's a LADO" also searches for
"Local Authority Designated Officer".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from bot.documents import Chunk
from bot.text import STOPWORDS, content_terms

# A term more than this share of the documents mention (the Trust's own name, Ofsted) names what
# the whole knowledge base is about: its other names would pull a search towards every
# document, so they are added only to a question that asks what the term means. Half, as a
# term in most documents is as uninformative as a stop word.
WIDESPREAD_SHARE = 0.5

# Words a question uses to ask what a term means, beside the term itself.
_ASKING_MEANING = frozenset(
    content_terms("mean means meaning stand stands short define definition acronym abbreviation")
)
_ALSO_CALLED = re.compile(r"^\s*Also (?:called|known as):\s*(.+?)\.?\s*$", re.MULTILINE | re.I)
_DASH = re.compile(r"\s+[—–-]\s+")


@dataclass(frozen=True)
class GlossaryEntry:
    """The names of one term: the first is the heading's term."""

    names: tuple[str, ...]
    doc_id: str

    @property
    def term(self) -> str:
        return self.names[0]


class Glossary:
    """Finds glossary terms in a question and adds their other names."""

    def __init__(self, entries: Iterable[GlossaryEntry], widespread: Iterable[str] = ()) -> None:
        self.entries = list(entries)
        self.widespread = frozenset(widespread)  # terms of entries most documents mention
        self._patterns = [(entry, _pattern_for(entry.names)) for entry in self.entries]

    @classmethod
    def from_chunks(cls, chunks: Iterable[Chunk]) -> Glossary:
        """Read every glossary section of the published glossary documents."""
        entries: dict[str, GlossaryEntry] = {}
        for chunk in chunks:
            if chunk.info.category != "glossary" or not chunk.section:
                continue
            heading = chunk.section.split(" > ")[-1]
            names = [part.strip() for part in _DASH.split(heading, maxsplit=1)]
            also = _ALSO_CALLED.search(chunk.text)
            if also:
                names += [name.strip() for name in also.group(1).split(",")]
            names = list(dict.fromkeys(n for n in names if n))
            key = heading.lower()
            if key in entries:
                names = list(dict.fromkeys([*entries[key].names, *names]))
            entries[key] = GlossaryEntry(tuple(names), chunk.doc_id)
        return cls(entries.values())

    def matches(self, question: str) -> list[GlossaryEntry]:
        """The entries a question mentions by any of their names."""
        return [entry for entry, pattern in self._patterns if pattern.search(question)]

    def expand(self, question: str, *, defining: bool = False) -> str:
        """The question followed by the other names of every term it mentions; a widespread
        term's only when `defining` (the question asks what a term means) and the term is what
        it asks about: "what is BCFT?", not "what's BCFT's practice model?"."""
        extra: list[str] = []
        lowered = question.lower()
        for entry, pattern in self._patterns:
            if not pattern.search(question):
                continue
            if entry.term in self.widespread and not (defining and _only(pattern, question)):
                continue
            extra += [name for name in entry.names if not _said(name, lowered)]
        extra = list(dict.fromkeys(extra))
        return f"{question} ({'; '.join(extra)})" if extra else question


def _said(name: str, lowered: str) -> bool:
    """Does the lower-cased question use this name as whole words ("LAC" is not in "placement")?"""
    return re.search(rf"(?<!\w){re.escape(name.lower())}(?!\w)", lowered) is not None


def _only(pattern: re.Pattern[str], question: str) -> bool:
    """Is the term `pattern` finds all the question asks about (besides asking its meaning)?"""
    return not set(content_terms(pattern.sub(" ", question))) - _ASKING_MEANING


def widespread_terms(entries: Iterable[GlossaryEntry], documents: Sequence[str]) -> list[str]:
    """The terms of the entries that more than half of `documents` mention."""
    vocabularies = [_word_forms(text) for text in documents]
    return [
        entry.term
        for entry in entries
        if sum(any(_mentioned(name, forms) for name in entry.names) for forms in vocabularies)
        > WIDESPREAD_SHARE * len(documents)
    ]


_TOKEN = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")


def _word_forms(text: str) -> set[str]:
    """A text's words as written and in lower case, and its pairs of words in lower case:
    enough to tell whether it mentions a name, at a fraction of a pattern search's cost."""
    written = _TOKEN.findall(text)
    lowered = [word.lower() for word in written]
    return {*written, *lowered, *(f"{a} {b}" for a, b in pairwise(lowered))}


def _mentioned(name: str, forms: set[str]) -> bool:
    """Is the name among a text's `_word_forms`? A longer name, if each pair of its words is
    (an acronym that is also a word must be written in capitals)."""
    words = _TOKEN.findall(name)
    if len(words) == 1:
        return (name if _case_sensitive(name) else name.lower()) in forms
    lowered = [word.lower() for word in words]
    return all(f"{a} {b}" in forms for a, b in pairwise(lowered))


def _pattern_for(names: tuple[str, ...]) -> re.Pattern[str]:
    """Match any name as whole words; short acronyms that are also words match in capitals only."""
    alternatives = []
    for name in names:
        escaped = re.escape(name).replace(r"\ ", r"\s+")
        if _case_sensitive(name):
            alternatives.append(f"(?-i:{escaped})")
        else:
            alternatives.append(escaped)
    joined = "|".join(alternatives)
    return re.compile(rf"(?<![\w-])(?:{joined})(?:s|'s|’s)?(?![\w-])", re.IGNORECASE)


def _case_sensitive(name: str) -> bool:
    """An acronym that is also a word ("SEND", "DO") must be written in capitals to count."""
    letters = name.replace(" ", "")
    lowered = name.lower()
    return letters.isupper() and (
        len(letters) <= 2 or lowered in STOPWORDS or lowered in english_words()
    )


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Common English words (lower case), from the list shipped beside this module."""
    text = (Path(__file__).with_name("english_words.txt")).read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))
