"""The sentences of the knowledge base an answer may quote, as plain text.

Answers are made of single sentences, so what counts as a sentence, and which sentences may be
quoted at all, is decided here once: at ingest, when sentence vectors are stored, and when an
answer is chosen.
"""

from __future__ import annotations

import re

from bot.text import split_sentences

_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
# A sentence that only sends the reader to another page of the knowledge base ("See [x](x.md).",
# "More is in [x](x.md).", "The case is covered in [x](x.md).", a related-pages list item) is
# navigation, not a fact: it is left out of the sentences an answer is made of. Links are
# matched before they are cleaned.
_PAGE_LINK = r"(?:the\s+)?\[[^\]]+\]\([^)]*\.md(?:#[^)]*)?\)"
_POINTER = re.compile(
    "|".join(
        [
            rf"^\s*(?:[-*+]\s+)?{_PAGE_LINK}\W*$",  # a link alone
            r"^\s*(?:for [^.;]*,\s*)?see\s+\[",  # "See [x](x.md)", "For y, see [x](x.md)"
            rf"\b(?:is|are)\s+(?:\w+\s+)?in\s+{_PAGE_LINK}(?:\s+and\s+{_PAGE_LINK})?\W*$",
        ]
    ),
    re.IGNORECASE,
)
# Changed whenever `chunk_sentences` would give other sentences for the same text: a sentence
# index saved with another version is rebuilt from the store (its vectors are reused).
# 2: sentences that only point to another page are left out.
SENTENCES_VERSION = 2
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


def points_elsewhere(raw: str) -> bool:
    """Does the (raw Markdown) sentence only send the reader to another page?"""
    return bool(_POINTER.search(raw))


def chunk_sentences(text: str) -> list[str]:
    """A chunk's sentences, clean, in reading order (quotable or not), pointers left out."""
    return [
        s
        for s in (clean_sentence(raw) for raw in split_sentences(text) if not points_elsewhere(raw))
        if s
    ]
