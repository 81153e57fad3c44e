"""The words people type, and the words the knowledge base uses (knowledge_base/lexicon/).

Shorthand is replaced ("kids" -> "children"); synonym groups work like glossary entries, so
a question using one name is searched with the others and an answer using any of them covers
it. Practice leads keep the file; a missing file means no shorthand and no synonyms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bot.retrieval.glossary import GlossaryEntry

TERMS_FILE = "terms.yaml"
# A number typed against the word after it ("72hrs", "6wks", "16yo"), but not an ordinal
# ("1st", "18th") and not letters before digits ("s47").
_GLUED_UNIT = re.compile(r"\b(\d+)(?!(?:st|nd|rd|th)\b)([a-z]+)\b", re.IGNORECASE)


class TermsError(ValueError):
    """The terms file cannot be read; the message says why."""


class _Terms(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shorthand: dict[str, str] = {}
    synonyms: list[list[str]] = []

    @field_validator("synonyms")
    @classmethod
    def _groups(cls, groups: list[list[str]]) -> list[list[str]]:
        for group in groups:
            if len(group) < 2 or not all(name.strip() for name in group):
                raise ValueError(f"a synonym group needs two or more names: {group}")
        return groups


@dataclass(frozen=True)
class QueryLexicon:
    """Shorthand to spell out, and groups of names for one thing."""

    shorthand: dict[str, str]
    synonyms: tuple[tuple[str, ...], ...]

    def spell_out(self, text: str) -> str:
        """The text with shorthand replaced by the words documents use ("72hrs" counts as
        "72 hrs": a number typed against its unit is split from it first)."""
        text = _GLUED_UNIT.sub(r"\1 \2", text)
        if not self.shorthand:
            return text
        return self._pattern.sub(lambda m: self.shorthand[m.group(1).lower()], text)

    def entries(self) -> list[GlossaryEntry]:
        """The synonym groups, as entries the glossary matches and expands like its own."""
        return [GlossaryEntry(names, doc_id="lexicon") for names in self.synonyms]

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        alternatives = "|".join(re.escape(k) for k in sorted(self.shorthand, key=len, reverse=True))
        return re.compile(rf"(?<![\w'’-])({alternatives})(?![\w'’-])", re.IGNORECASE)


EMPTY = QueryLexicon({}, ())


def load_query_lexicon(lexicon_dir: Path) -> QueryLexicon:
    """The terms file in `lexicon_dir`, or an empty lexicon if there is none."""
    path = lexicon_dir / TERMS_FILE
    if not path.is_file():
        return EMPTY
    try:
        data = _Terms.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (OSError, yaml.YAMLError) as error:
        raise TermsError(f"{path}: cannot read: {' '.join(str(error).split())}") from None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise TermsError(f"{path}: {problems}") from None
    return QueryLexicon(
        {key.lower(): value for key, value in data.shorthand.items()},
        tuple(tuple(group) for group in data.synonyms),
    )
