"""The structured answer: built once by the engine, rendered for terminal, Slack and JSON.

A domain record like `bot.documents`: the store, the renderers and the adapters use it
without depending on how answers are made.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, NamedTuple

Reason = Literal["answered", "known_gap", "not_covered", "empty", "too_long"]


@dataclass(frozen=True)
class Source:
    """A numbered citation: `[n]` in the answer text points here."""

    n: int
    doc_id: str
    title: str
    section: str
    url: str
    last_reviewed: str | None
    review_due: str | None
    stale: bool


@dataclass(frozen=True)
class UsedChunk:
    """A retrieved chunk as shown in `retrieved`: what the answer was chosen from."""

    chunk_id: str
    doc_id: str
    title: str
    section: str
    text: str
    score: float
    dense_score: float | None
    keyword_score: float | None


class Turn(NamedTuple):
    """One earlier exchange of a conversation: the (redacted) question and the reply to it."""

    question: str
    answer: str = ""


@dataclass(frozen=True)
class Answer:
    """Everything a renderer or an evaluation needs about one answered question; made once
    by the engine and never changed after."""

    question: str
    answer: str
    sources: list[Source] = field(default_factory=list)
    confidence: float = 0.0  # P(the answer states what was asked), calibrated
    in_scope: float = 0.0  # P(the knowledge base covers the question); answered above a threshold
    refused: bool = False
    urgent: bool = False
    urgent_signals: list[str] = field(default_factory=list)  # why it was judged urgent
    personal_data: list[str] = field(default_factory=list)
    retrieved: list[UsedChunk] = field(default_factory=list)
    emergency: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    reason: Reason = "answered"
    withheld_answer: str = ""  # what it would have said when not confident enough (for trainers)
    nearest_chunk: str = ""  # the passage a refusal points to, when the question is likely covered
    evidence: dict[str, float] = field(default_factory=dict)  # what the confidence rests on
    mode: Literal["extractive", "llm"] = "extractive"
    ref: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def personal_data_warning(self) -> str | None:
        """What to tell someone who pasted personal data (None if they did not)."""
        if not self.personal_data:
            return None
        return (
            "Please do not share case details here. I removed what looked like personal data "
            f"({', '.join(self.personal_data)}) before anything was logged or stored; keep case "
            "information in the child's record."
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `bcft ask --json` (and of each evaluation record)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """Rebuild an answer from `to_dict()` output (e.g. to share a stored answer)."""
        fields = dict(data)
        fields["sources"] = [Source(**s) for s in data.get("sources", [])]
        fields["retrieved"] = [UsedChunk(**c) for c in data.get("retrieved", [])]
        return cls(**fields)
