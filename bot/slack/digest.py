"""The weekly digest: how the bot was used in the week just ended, for practice leads.

Posted to DIGEST_CHANNEL. Every worker checks hourly; the first check of an ISO week claims
the week just ended in the store and posts its digest, so it goes out once across workers,
hosts and restarts (a digest that could not be posted gives its claim back for the next
check). It holds counts, and one list of text: the top knowledge gaps, the redacted questions
the knowledge base did not cover, as practice leads see them in the App Home. That is why
the channel must be the practice leads' own. Urgent messages are counted, never listed; 👎
ratings are counted by reason, never shown with their comments.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.documents import DocumentInfo
from bot.render.slack_blocks import escape
from bot.services import Services, knowledge_base_status
from bot.slack.views import FEEDBACK_REASONS
from bot.store import Gap, PeriodCounts
from bot.store.usage_counts import UNSPECIFIED
from ingest.web_state import load_failures

# How often each worker checks whether a week's digest is due: it goes out within an hour of
# the week starting (the check is one insert that fails when the week is claimed).
DIGEST_CHECK_SECONDS = 3600.0
TOP_GAPS = 5
# Documents past review, and web pages that failed, listed by name (a section holds 3,000
# characters); the rest counted.
MAX_OVERDUE = 15
MAX_FAILED_PAGES = 10
# A Slack member id written as a document's owner (a gap answer's author): shown as a mention.
_MEMBER_ID = re.compile(r"[UW][A-Z0-9]{6,}")

Block = dict[str, Any]


@dataclass(frozen=True)
class Week:
    """An ISO week, Monday to Sunday, in the host's local time."""

    monday: date

    @property
    def label(self) -> str:
        year, number, _ = self.monday.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def start(self) -> float:
        return datetime.combine(self.monday, time()).timestamp()

    @property
    def end(self) -> float:
        return datetime.combine(self.monday + timedelta(days=7), time()).timestamp()


@dataclass(frozen=True)
class Digest:
    """What one week's digest shows."""

    week: Week
    counts: PeriodCounts
    gaps: list[Gap]
    overdue: list[DocumentInfo]
    failed_pages: dict[str, str]  # web pages the last `bcft ingest --sources` could not fetch


def week_before(today: date) -> Week:
    """The ISO week before the one `today` is in."""
    return Week(today - timedelta(days=today.weekday() + 7))


def post_weekly_digest(services: Services, client: Any, today: date | None = None) -> bool:
    """Post the digest of the week before `today`'s unless a worker has; True if this did."""
    channel = services.settings.digest_channel
    if not channel:
        return False
    today = today or date.today()
    week = week_before(today)
    store = services.store
    if not store.claim_weekly_digest(week.label):
        return False
    try:
        digest = Digest(
            week,
            store.period_counts(week.start, week.end),
            store.open_gaps(TOP_GAPS, since=week.start, until=week.end, urgent=False),
            knowledge_base_status(services.index, store, services.settings, today).overdue,
            load_failures(services.settings.web_state_path),
        )
        client.chat_postMessage(
            channel=channel,
            text=summary(digest),
            blocks=digest_blocks(digest),
            unfurl_links=False,
        )
    except Exception:
        store.release_weekly_digest(week.label)
        raise
    return True


def summary(digest: Digest) -> str:
    """The digest in one line (notifications and clients that cannot show blocks)."""
    counts = digest.counts
    return (
        f"Weekly digest {digest.week.label}: {counts.asked} questions asked, {counts.answered} "
        f"answered, {counts.refused} refused, {counts.urgent} urgent."
    )


def digest_blocks(digest: Digest) -> list[Block]:
    counts, week = digest.counts, digest.week
    sunday = week.monday + timedelta(days=6)
    down = Counter[str]()
    for reason, n in counts.down_reasons.items():
        down[_reason_label(reason)] += n
    sections = [
        f"*Questions* — asked *{counts.asked}*, answered *{counts.answered}*, answered with "
        f"a known gap *{counts.known_gaps}*, refused *{counts.refused}*, urgent "
        f"*{counts.urgent}*",
        "*Top knowledge gaps* (redacted questions; for practice leads only)\n"
        + (
            "\n".join(f"• {escape(gap.question[:200])} ({gap.count}×)" for gap in digest.gaps)
            or "None this week."
        ),
        "*👎 by reason* — "
        + (", ".join(f"{label} {n}" for label, n in down.most_common()) or "none this week"),
        _overdue(digest.overdue),
        _failed_pages(digest.failed_pages),
    ]
    return [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": f"Weekly digest {week.label}: {week.monday.day} {week.monday:%b} to "
                f"{sunday.day} {sunday:%b %Y}",
            },
        },
        *({"type": "section", "text": {"type": "mrkdwn", "text": s[:2900]}} for s in sections),
    ]


def _overdue(documents: list[DocumentInfo]) -> str:
    if not documents:
        return "*Documents past their review date* — none."
    lines = [
        f"• {escape(doc.title)}: due {doc.review_due}, owner {_owner(doc.owner)}"
        for doc in documents[:MAX_OVERDUE]
    ]
    if len(documents) > MAX_OVERDUE:
        lines.append(f"…and {len(documents) - MAX_OVERDUE} more (`/kb status`).")
    return f"*Documents past their review date ({len(documents)})*\n" + "\n".join(lines)


def _failed_pages(failed: dict[str, str]) -> str:
    """The web pages the last `bcft ingest --sources` run could not fetch, and why."""
    if not failed:
        return "*Web pages that failed to fetch* — none in the last run."
    lines = [
        f"• {escape(url)}: {escape(reason[:150])}"
        for url, reason in list(failed.items())[:MAX_FAILED_PAGES]
    ]
    if len(failed) > MAX_FAILED_PAGES:
        lines.append(f"…and {len(failed) - MAX_FAILED_PAGES} more (`bcft ingest --sources`).")
    return f"*Web pages that failed to fetch ({len(failed)})*\n" + "\n".join(lines)


def _owner(owner: str) -> str:
    if _MEMBER_ID.fullmatch(owner):
        return f"<@{owner}>"
    return escape(owner) or "none named"


def _reason_label(reason: str) -> str:
    """A 👎 reason as the feedback modal words it; never a stored value itself, which a forged
    request could have filled with free text."""
    if reason == UNSPECIFIED:
        return "No reason given"
    return FEEDBACK_REASONS.get(reason, FEEDBACK_REASONS["other"])
