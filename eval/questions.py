"""Question sets: YAML files of questions with what a correct answer must state."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Kind = Literal["answerable", "out_of_scope", "urgent"]
KINDS: tuple[Kind, ...] = ("answerable", "out_of_scope", "urgent")


class QuestionSetError(ValueError):
    """A question file is not valid; the message lists every problem found."""


Item = TypeVar("Item", bound=BaseModel)


class Question(BaseModel):
    """One evaluation question."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str
    kind: Kind
    must_include: list[str] = []
    expected_sources: list[str] = []
    history: list[str] = []  # earlier questions in the same conversation, oldest first
    notes: str | None = None

    @field_validator("question")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty")
        return value

    @field_validator("must_include")
    @classmethod
    def _no_blank_facts(cls, value: list[str]) -> list[str]:
        if any(not fact.strip() for fact in value):
            raise ValueError("must_include has an empty string")
        return value


@dataclass
class QuestionSet:
    questions: list[Question]
    files: list[Path] = field(default_factory=list)


def load_questions(paths: Iterable[Path], known_documents: set[str] | None = None) -> QuestionSet:
    """Read and validate question files (or folders of them); raise listing every problem."""
    files = yaml_files(paths)
    problems: list[str] = [] if files else ["no question files found"]
    questions: list[Question] = []
    first_seen: dict[str, str] = {}
    for path in files:
        for question in read_items(path, "questions", Question, problems):
            where = f"{path}: {question.id}"
            if question.id in first_seen:
                problems.append(f"{where}: duplicate id (first in {first_seen[question.id]})")
                continue
            first_seen[question.id] = str(path)
            if question.kind == "answerable" and not question.must_include:
                problems.append(f"{where}: an answerable question needs must_include")
            unknown = [
                d
                for d in question.expected_sources
                if known_documents is not None and d not in known_documents
            ]
            if unknown:
                problems.append(f"{where}: unknown document id(s) {', '.join(unknown)}")
            questions.append(question)
    if problems:
        raise QuestionSetError("\n".join(problems))
    return QuestionSet(questions, files)


def read_items(path: Path, key: str, model: type[Item], problems: list[str]) -> list[Item]:
    """The items of one YAML file (a list, or a list under `key:`), each validated as `model`;
    what is wrong is added to `problems`, one line each, and the rest is kept."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        problems.append(f"{path}: cannot read: {' '.join(str(error).split())}")
        return []
    items = data.get(key) if isinstance(data, dict) else data
    if not isinstance(items, list):
        problems.append(f"{path}: expected a list of {key} (or a '{key}:' list)")
        return []
    valid = []
    for position, item in enumerate(items, start=1):
        try:
            valid.append(model.model_validate(item))
        except ValidationError as error:
            for e in error.errors():
                field_name = ".".join(str(p) for p in e["loc"]) or "item"
                problems.append(f"{path}: item {position}: {field_name}: {e['msg']}")
    return valid


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    """The files given, and the YAML files in the folders given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        else:
            files.append(path)
    return files
