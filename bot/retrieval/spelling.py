"""Spelling tolerance: "assesment", "confrence" and "safegaurding" find what they mean.

A word is corrected only when neither the knowledge base nor the English word list knows it,
and only to a word the knowledge base uses, at most one edit away for short words and two
for longer ones (symspellpy). Numbers, short words and words in capitals (acronyms) are left
alone, so "s47", "ICPC" and names the knowledge base never mentions stay as typed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from symspellpy import SymSpell, Verbosity

from bot.retrieval.glossary import english_words
from bot.text import stem, words

MIN_LENGTH = 4  # "sw", "cin", "lac": too short to tell a typo from an abbreviation
SHORT = 5  # words up to this long are corrected by at most one edit, longer ones by two
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’]*")


class SpellingCorrector:
    """Corrects unknown words to the nearest, most frequent word of the knowledge base."""

    def __init__(self, frequencies: Counter[str]) -> None:
        self.known = frozenset(frequencies)
        self.known_stems = frozenset(stem(word) for word in frequencies)
        self._symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word, count in frequencies.items():
            if len(word) >= MIN_LENGTH:
                self._symspell.create_dictionary_entry(word, count)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> SpellingCorrector:
        return cls(Counter(word for text in texts for word in words(text)))

    def correct(self, text: str) -> str:
        """The text with each unknown word replaced by its correction, if it has one."""
        return _TOKEN.sub(lambda m: self._word(m.group(0)), text)

    def _word(self, token: str) -> str:
        lowered = token.lower().replace("’", "'")
        if (
            len(lowered) < MIN_LENGTH
            or token.isupper()
            or lowered.replace("'", "") in self.known
            or stem(lowered.replace("'", "")) in self.known_stems
            or lowered in english_words()
        ):
            return token
        distance = 1 if len(lowered) <= SHORT else 2
        suggestions = self._symspell.lookup(lowered, Verbosity.TOP, max_edit_distance=distance)
        return suggestions[0].term if suggestions else token
