"""The sentences of the knowledge base an answer may quote, as plain text.

Answers are made of single sentences, so what counts as a sentence, and which sentences may be
quoted at all, is decided here once: at ingest, when sentence vectors are stored, and when an
answer is chosen.
"""

from __future__ import annotations

import re

from bot.text import split_sentences

_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`]{1,3}")
# Sentences about the document itself ("This guide explains…") tell a reader nothing.
_ABOUT_THE_DOCUMENT = re.compile(
    r"^(?:this|the) (?:document|guide|page|note|section|summary)\b|^it (?:covers|explains|"
    r"sets out|lists|describes|brings together)\b|^this is the (?:first )?(?:page|guide)\b",
    re.IGNORECASE,
)
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,40}\b(?:instructions?|prompts?|rules|above)\b|"
    r"\b(?:system prompt|you are now|as an ai|act as)\b",
    re.IGNORECASE,
)
MIN_QUOTABLE_WORDS = 4
# The knowledge base's way of saying what it does not know: "… is not in the public record
# used for this guide", "The public record found does not give …" (see README: writing).
_GAP = re.compile(
    r"\bnot (?:\w+ ){0,4}in the public record\b|\bpublic record\b[^.]{0,100}\b(?:does not|do not|"
    r"doesn't|don't|did not|but not)\b|\bnot (?:published|publicly available|confirmed) "
    r"(?:for|in)\b|\bnot (?:a |an )?confirmed\b",
    re.IGNORECASE,
)


def clean_sentence(text: str) -> str:
    """Plain text for quoting: no Markdown links, emphasis or stray whitespace."""
    return " ".join(_MARKUP.sub("", _LINK.sub(r"\1", text)).split())


def looks_like_instruction(text: str) -> bool:
    """Text addressed to a model rather than a reader; treated as data and never quoted."""
    return bool(_INSTRUCTION.search(text))


def quotable(text: str) -> bool:
    """Can this (clean) sentence stand in an answer on its own?"""
    return (
        len(text.split()) >= MIN_QUOTABLE_WORDS
        and not text.lower().startswith(("also called:", "also known as:", "see also"))
        and not looks_like_instruction(text)
        and not _ABOUT_THE_DOCUMENT.search(text)
    )


def states_a_gap(text: str) -> bool:
    """Does the sentence say the knowledge base's sources do not hold something?"""
    return bool(_GAP.search(text))


def chunk_sentences(text: str) -> list[str]:
    """A chunk's sentences, clean, in reading order (quotable or not)."""
    return [s for s in (clean_sentence(raw) for raw in split_sentences(text)) if s]
