"""Usage figures from what the bot recorded, for the trainers' usage report.

Pure functions over the rows `Store.questions()` and `Store.feedback()` return. The figures
are counts: no question text, comment, user id or channel id leaves this module. Weeks start
on Monday, in the host's local time. (The weekly digest for practice leads counts in the
store itself, `UsageCounts.period_counts`, because the Slack adapter cannot use `eval`.)
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.documents import CATEGORIES
from bot.store.audit import GAP_REASONS

# What each reason the engine gives (`bot.answers.Reason`) is called in the reports.
OUTCOMES = {
    "answered": "answered",
    "known_gap": "known gap",
    "not_covered": "not covered",
    "empty": "empty or too long",
    "too_long": "empty or too long",
}
# Answers that quote the knowledge base on the question asked (a known gap quotes it saying
# the public record does not hold the answer); a refusal quotes only who to ask.
_ON_TOPIC = ("answered", "known_gap")
# A question whose cited document is not in the index (deleted since, or the index could
# not be read) is counted under this instead of a category.
UNKNOWN_CATEGORY = "category unknown"
# Every label a question can be counted under, in the order charts stack them.
TOPICS = (*CATEGORIES, UNKNOWN_CATEGORY, OUTCOMES["not_covered"], OUTCOMES["empty"])
# 👎 reasons are fixed choices in the Slack modal (`bot.slack.views.FEEDBACK_REASONS`); a
# stored value that does not look like one is never shown (it could be free text).
_CHOICE = re.compile(r"[a-z_]{1,40}")
UNSPECIFIED, OTHER = "unspecified", "other"
_MARKER = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Period:
    """The days from `since` to `until`, both included."""

    since: date
    until: date

    def __post_init__(self) -> None:
        if self.since > self.until:
            raise ValueError(f"the period ends ({self.until}) before it starts ({self.since})")

    @property
    def start(self) -> float:
        """Unix seconds at the first moment of the period (local time)."""
        return datetime.combine(self.since, time()).timestamp()

    @property
    def end(self) -> float:
        """Unix seconds at the first moment after the period."""
        return datetime.combine(self.until + timedelta(days=1), time()).timestamp()

    def contains(self, unix_seconds: float) -> bool:
        return self.start <= unix_seconds < self.end

    def weeks(self) -> list[date]:
        """The Monday of every week the period touches, in order."""
        first, last = week_of(self.start), week_of(self.end - 1)
        return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def week_of(unix_seconds: float) -> date:
    """The Monday of the week a moment falls in (local time)."""
    day = datetime.fromtimestamp(unix_seconds).date()
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Asked:
    """One recorded question as the figures see it: no text and no ids but its reference."""

    ref: str
    week: date
    reason: str
    urgent: bool
    topic: tuple[str, str] | None  # (doc id, title) of the first source the answer cites
    cited: tuple[tuple[str, str], ...]  # (doc id, title) of every source listed, once each

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Asked:
        sources = {s["n"]: (s["doc_id"], s["title"]) for s in json.loads(row["sources"])}
        markers = [int(n) for n in _MARKER.findall(str(row["answer"]))]
        first = next((sources[n] for n in markers if n in sources), None)
        return cls(
            ref=str(row["ref"]),
            week=week_of(float(row["asked_at"])),
            reason=str(row["reason"]),
            urgent=bool(row["urgent"]),
            # An urgent message's emergency route is cited in its own lines, not the answer's.
            topic=first if row["reason"] in _ON_TOPIC else None,
            cited=tuple(dict.fromkeys(sources.values())),
        )

    def counted_under(self, categories: Mapping[str, str]) -> str:
        """The knowledge-base category of what the answer cites; for a refusal, its kind."""
        if self.reason not in _ON_TOPIC:
            return OUTCOMES.get(self.reason, self.reason)
        return categories.get(self.topic[0], UNKNOWN_CATEGORY) if self.topic else UNKNOWN_CATEGORY


@dataclass
class Counts:
    """How many questions were asked, and what came of them."""

    reasons: Counter[str] = field(default_factory=Counter)
    urgent: int = 0
    rated_up: int = 0  # questions with at least one 👍
    rated_down: int = 0  # questions with at least one 👎

    @property
    def asked(self) -> int:
        return sum(self.reasons.values())

    @property
    def answered(self) -> int:
        return self.reasons["answered"]

    @property
    def known_gaps(self) -> int:
        return self.reasons["known_gap"]

    @property
    def not_covered(self) -> int:
        return self.reasons["not_covered"]

    @property
    def rejected(self) -> int:
        """Empty or too long: refused before anything was searched."""
        return self.reasons["empty"] + self.reasons["too_long"]

    @property
    def refused(self) -> int:
        """The questions the engine refused (`Answer.refused`): not covered or rejected."""
        return self.not_covered + self.rejected

    def share(self, count: int) -> float:
        """`count` as a share of the questions asked (0 when none were)."""
        return count / self.asked if self.asked else 0.0

    def add(self, asked: Asked, ratings: set[str]) -> None:
        self.reasons[asked.reason] += 1
        self.urgent += asked.urgent
        self.rated_up += "up" in ratings
        self.rated_down += "down" in ratings


@dataclass
class Week:
    """One week's counts, its questions by category, and its knowledge gaps by category."""

    monday: date
    counts: Counts = field(default_factory=Counts)
    topics: Counter[str] = field(default_factory=Counter)
    gaps: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class UsageFigures:
    """Everything the usage report shows; counts and knowledge-base titles only."""

    period: Period
    weeks: list[Week]
    totals: Counts
    most_cited: list[tuple[str, int]]  # document title, answers citing it
    gap_documents: list[tuple[str, int]]  # document stating a known gap, times quoted
    down_reasons: dict[str, int]  # 👎 ratings by reason
    categories_known: bool


def usage_figures(
    questions: Iterable[Mapping[str, Any]],
    feedback: Iterable[Mapping[str, Any]],
    period: Period,
    categories: Mapping[str, str],
    top_documents: int = 10,
) -> UsageFigures:
    """Weekly counts and the period's most cited documents, known gaps and 👎 reasons.

    `categories` maps document ids to knowledge-base categories (empty if the index could not
    be read). Ratings count for the week of the answer rated, whenever they were given.
    """
    asked, ratings, rows = _in_period(questions, feedback, period)
    weeks = {monday: Week(monday) for monday in period.weeks()}
    totals = Counts()
    cited: Counter[tuple[str, str]] = Counter()
    gap_documents: Counter[str] = Counter()
    for question in asked:
        week = weeks[question.week]
        week.counts.add(question, ratings[question.ref])
        totals.add(question, ratings[question.ref])
        topic = question.counted_under(categories)
        week.topics[topic] += 1
        if question.reason in GAP_REASONS:
            week.gaps[topic] += 1
        if question.reason == "known_gap" and question.topic is not None:
            gap_documents[question.topic[1]] += 1
        cited.update(question.cited)
    return UsageFigures(
        period=period,
        weeks=list(weeks.values()),
        totals=totals,
        most_cited=[(title, n) for (_, title), n in cited.most_common(top_documents)],
        gap_documents=gap_documents.most_common(),
        down_reasons=_down_reasons(rows),
        categories_known=bool(categories),
    )


def _in_period(
    questions: Iterable[Mapping[str, Any]],
    feedback: Iterable[Mapping[str, Any]],
    period: Period,
) -> tuple[list[Asked], dict[str, set[str]], list[Mapping[str, Any]]]:
    """The period's questions, the ratings of each, and the rating rows that belong to them."""
    asked = [Asked.from_row(row) for row in questions if period.contains(float(row["asked_at"]))]
    refs = {question.ref for question in asked}
    rated = [row for row in feedback if row["ref"] in refs]
    ratings: dict[str, set[str]] = {ref: set() for ref in refs}
    for row in rated:
        ratings[str(row["ref"])].add(str(row["rating"]))
    return asked, ratings, rated


def _down_reasons(rated: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """👎 ratings by reason, most frequent first; a value that is not a choice is "other"."""
    reasons = Counter(_choice(row["reason"]) for row in rated if row["rating"] == "down")
    return dict(reasons.most_common())


def _choice(reason: object) -> str:
    if not reason:
        return UNSPECIFIED
    return str(reason) if _CHOICE.fullmatch(str(reason)) else OTHER
