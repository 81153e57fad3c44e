"""The list of immediate risks the urgency detector knows, read and checked from YAML.

The built-in list (`urgent_risks.yaml`, beside this module) is the safeguarding floor and
never depends on a folder being present. Practice leads may add local entries in
`<lexicon dir>/urgent-risks.yaml` with the same shape; a category named in both gets the
patterns and exemplars of both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

BUILT_IN = Path(__file__).with_name("urgent_risks.yaml")
LOCAL_FILE = "urgent-risks.yaml"
# The cues about time and setting, each a list of patterns (see urgent_risks.yaml).
CUES = (
    "immediacy",
    "planned",
    "appointments",
    "present",
    "hypothetical",
    "training",
    "past",
    "resolved",
)


class LexiconError(ValueError):
    """A risk lexicon file cannot be read; the message says which file and why."""


class _Category(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    patterns: list[str] = []
    exemplars: list[str] = []

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"{pattern!r} is not a valid expression: {error}") from None
        return patterns


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    categories: dict[str, _Category] = {}
    contrast: list[str] = []
    immediacy: list[str] = []
    planned: list[str] = []
    appointments: list[str] = []
    present: list[str] = []
    hypothetical: list[str] = []
    training: list[str] = []
    past: list[str] = []
    resolved: list[str] = []

    @field_validator(*CUES)
    @classmethod
    def _cues_compile(cls, patterns: list[str]) -> list[str]:
        return _Category._compiles(patterns)


@dataclass(frozen=True)
class RiskCategory:
    """One kind of immediate risk: what it is called, its words and its example messages."""

    name: str
    label: str
    pattern: re.Pattern[str] | None
    exemplars: tuple[str, ...]


@dataclass(frozen=True)
class RiskLexicon:
    """Every category, the contrast messages and the cues about time."""

    categories: tuple[RiskCategory, ...]
    contrast: tuple[str, ...]
    immediacy: re.Pattern[str]
    planned: re.Pattern[str]
    appointments: re.Pattern[str]
    present: re.Pattern[str]
    hypothetical: re.Pattern[str]
    training: re.Pattern[str]
    past: re.Pattern[str]
    resolved: re.Pattern[str]


def load_risk_lexicon(lexicon_dir: Path | None = None) -> RiskLexicon:
    """The built-in list, plus the local additions in `lexicon_dir` if that file exists."""
    files = [_read(BUILT_IN)]
    if lexicon_dir is not None and (lexicon_dir / LOCAL_FILE).is_file():
        files.append(_read(lexicon_dir / LOCAL_FILE))
    merged: dict[str, _Category] = {}
    for file in files:
        for name, category in file.categories.items():
            if name in merged:
                old = merged[name]
                category = _Category(
                    label=old.label,
                    patterns=old.patterns + category.patterns,
                    exemplars=old.exemplars + category.exemplars,
                )
            merged[name] = category
    return RiskLexicon(
        categories=tuple(
            RiskCategory(name, c.label, _either(c.patterns), tuple(c.exemplars))
            for name, c in merged.items()
        ),
        contrast=tuple(text for file in files for text in file.contrast),
        **{
            cue: _either([p for file in files for p in getattr(file, cue)]) or _NEVER
            for cue in CUES
        },
    )


_NEVER = re.compile(r"(?!x)x")


def _either(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None


def _read(path: Path) -> _File:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return _File.model_validate(data)
    except (OSError, yaml.YAMLError) as error:
        raise LexiconError(f"{path}: cannot read: {' '.join(str(error).split())}") from None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise LexiconError(f"{path}: {problems}") from None
