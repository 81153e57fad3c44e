"""Urgency probes: messages labelled urgent or not, by kind of risk, for the detector alone.

`bcft eval run` measures urgency on the urgent and alarming questions of its sets; a probe
measures the urgency check on many more messages, without the knowledge base, as the first
step of every entry point runs it. Figures come per kind of risk, so a weakness shows as a
kind of risk to strengthen (its patterns or example messages), not as messages to copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from eval.questions import QuestionSetError, read_items, yaml_files

PROBES = Path(__file__).resolve().parent / "urgency"


class ProbeMessage(BaseModel):
    """One message, whether it describes a child at immediate risk, and the kind of risk."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    message: str = Field(min_length=1)
    urgent: bool
    category: str = Field(min_length=1)
    why_not_urgent: (
        Literal["general", "past", "hypothetical", "training", "already_safe"] | None
    ) = None


@dataclass(frozen=True)
class KindFigures:
    """How the check did on one kind of risk."""

    category: str
    urgent: int
    caught: int
    not_urgent: int
    flagged: int


@dataclass(frozen=True)
class ProbeResult:
    recall: float | None  # urgent messages flagged (None: the probe has none)
    precision: float | None  # flagged messages that are urgent (None: nothing flagged)
    kinds: list[KindFigures]
    missed: list[ProbeMessage]
    false_alarms: list[ProbeMessage]


def load_probes(paths: list[Path]) -> list[ProbeMessage]:
    """The messages of probe files (or folders of them); raise listing every problem."""
    files = yaml_files(paths)
    problems: list[str] = [] if files else ["no probe files found"]
    messages: list[ProbeMessage] = []
    for path in files:
        seen: set[str] = set()  # ids are a file's own: every probe numbers from u001
        for message in read_items(path, "messages", ProbeMessage, problems):
            if message.id in seen:
                problems.append(f"{path}: duplicate id {message.id}")
            seen.add(message.id)
            messages.append(message)
    if problems:
        raise QuestionSetError("\n".join(problems))
    return messages


def measure_urgency(messages: list[ProbeMessage], urgent: Callable[[str], bool]) -> ProbeResult:
    """Recall, precision and figures by kind of risk, with `urgent` judging each message."""
    flagged = {m.id: urgent(m.message) for m in messages}
    missed = [m for m in messages if m.urgent and not flagged[m.id]]
    false_alarms = [m for m in messages if not m.urgent and flagged[m.id]]
    n_urgent = sum(m.urgent for m in messages)
    n_flagged = sum(flagged.values())
    kinds = []
    for category in sorted({m.category for m in messages}):
        of_kind = [m for m in messages if m.category == category]
        kinds.append(
            KindFigures(
                category,
                urgent=sum(m.urgent for m in of_kind),
                caught=sum(m.urgent and flagged[m.id] for m in of_kind),
                not_urgent=sum(not m.urgent for m in of_kind),
                flagged=sum(not m.urgent and flagged[m.id] for m in of_kind),
            )
        )
    return ProbeResult(
        recall=(n_urgent - len(missed)) / n_urgent if n_urgent else None,
        precision=(n_flagged - len(false_alarms)) / n_flagged if n_flagged else None,
        kinds=kinds,
        missed=missed,
        false_alarms=false_alarms,
    )
