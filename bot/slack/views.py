"""Block Kit views that are not answers: feedback modal, App Home, KB status, prompts."""

from __future__ import annotations

from typing import Any

from bot.documents import IngestReport
from bot.index import KnowledgeIndex
from bot.kb_report import KnowledgeBaseReport
from bot.render.slack_blocks import escape
from bot.slack.gap_views import DRAFTS_HEADING, draft_blocks, gap_blocks
from bot.store import Gap, GapAnswer

FEEDBACK_MODAL = "feedback_modal"
OUT_OF_DATE = "out_of_date"  # the 👎 reason that tells the cited documents' owners
FEEDBACK_REASONS = {
    "incorrect": "Incorrect",
    OUT_OF_DATE: "Out of date",
    "not_relevant": "Not relevant",
    "other": "Other",
}
MAX_PROMPTS = 4


def feedback_modal(ref: str) -> dict[str, Any]:
    """The modal a 👎 opens: what was wrong, and a comment."""
    options = [
        {"text": {"type": "plain_text", "text": label}, "value": value}
        for value, label in FEEDBACK_REASONS.items()
    ]
    return {
        "type": "modal",
        "callback_id": FEEDBACK_MODAL,
        "private_metadata": ref,
        "title": {"type": "plain_text", "text": "What was wrong?"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": "The answer was"},
                "element": {"type": "radio_buttons", "action_id": "reason", "options": options},
            },
            {
                "type": "input",
                "block_id": "comment",
                "optional": True,
                "label": {"type": "plain_text", "text": "Anything else? (no case details)"},
                "element": {"type": "plain_text_input", "action_id": "comment", "multiline": True},
            },
        ],
    }


def home_view(
    report: KnowledgeBaseReport, gaps: list[Gap], drafts: list[GapAnswer], viewer: str
) -> dict[str, Any]:
    """The App Home tab practice leads read: the knowledge base, the most frequent gaps to
    write an answer for, and the answers waiting for a second practice lead."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "BCFT practice companion"}},
        *kb_status_blocks(report),
        {"type": "divider"},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Most frequent unanswered questions*"},
        },
    ]
    blocks += gap_blocks(gaps) or [_context("None so far.")]
    blocks += [
        {"type": "divider"},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{DRAFTS_HEADING}*"}},
    ]
    blocks += draft_blocks(drafts, viewer) or [_context("None.")]
    return {"type": "home", "blocks": blocks}


def personal_home_view(recent: list[str]) -> dict[str, Any]:
    """The App Home for everyone who is not a practice lead: how to ask, and their own
    recent questions (redacted when they were stored)."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "BCFT practice companion"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": escape(HOME_INTRO)}},
        {"type": "divider"},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Your recent questions*"}},
    ]
    if recent:
        lines = "\n".join(f"• {escape(question)}" for question in recent)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": lines[:2900]}})
    else:
        blocks.append(_context("None yet."))
    return {"type": "home", "blocks": blocks}


HOME_INTRO = (
    "Ask me about the Trust, its procedures and Ofsted's findings: mention me in a channel, "
    "send me a direct message, type /ask, or open the assistant panel. I answer from the BCFT "
    "knowledge base and always show my sources. If a child is in immediate danger, call 999 "
    "now. Please do not share case details."
)


def kb_status_blocks(report: KnowledgeBaseReport) -> list[dict[str, Any]]:
    summary = (
        f"*{report.documents}* documents ({report.drafts} drafts), *{report.chunks}* chunks. "
        f"Last ingest: {report.updated_at or 'never'}."
    )
    by_category = ", ".join(
        f"{category} {len(docs)}" for category, docs in sorted(report.by_category.items())
    )
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": summary}},
        _context(f"By category: {by_category or 'none'}"),
    ]
    if report.overdue:
        overdue = "\n".join(
            f"• {escape(doc.title)} — due {doc.review_due} ({escape(doc.owner or 'no owner')})"
            for doc in report.overdue[:20]
        )
        text = f"*Past their review date ({len(report.overdue)})*\n{overdue}"
    else:
        text = "No document is past its review date."
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}})
    return blocks + _upkeep_blocks(report)


def _upkeep_blocks(report: KnowledgeBaseReport) -> list[dict[str, Any]]:
    """Documents flagged or reviewed by their owners in Slack, and owners Slack lacks."""
    sections = []
    if report.flagged:
        flagged = "\n".join(
            f"• {escape(doc.title)} — flagged {flag.flagged_on} by <@{flag.flagged_by}>: "
            f"{escape(flag.what_is_wrong[:300])}"
            for doc, flag in report.flagged[:20]
        )
        sections.append(f"*Needs change ({len(report.flagged)})*\n{flagged}")
    if report.reviewed_in_slack:
        reviewed = "\n".join(
            f"• {escape(doc.title)} — reviewed {review.last_reviewed} by <@{review.reviewer}>, "
            f"next review due {review.review_due}"
            for doc, review in report.reviewed_in_slack[:20]
        )
        sections.append(f"*Reviewed in Slack ({len(report.reviewed_in_slack)})*\n{reviewed}")
    if report.no_owner_in_slack:
        owners = "\n".join(
            f"• {escape(owner or '(no owner)')} ({len(docs)}): "
            f"{escape(', '.join(doc.title for doc in docs[:3]))}{'…' if len(docs) > 3 else ''}"
            for owner, docs in sorted(report.no_owner_in_slack.items())[:20]
        )
        sections.append(f"*No owner in Slack* (add them to DOCUMENT_OWNERS)\n{owners}")
    return [{"type": "section", "text": {"type": "mrkdwn", "text": s[:2900]}} for s in sections]


def ingest_summary(report: IngestReport) -> str:
    """One message that tells a practice lead what a reindex or upload did."""
    counts = ", ".join(
        f"{len(getattr(report, name))} {name}"
        for name in ("added", "updated", "unchanged", "removed", "failed")
    )
    lines = [f"Knowledge base updated: {counts}."]
    lines += [
        f"• failed {escape(path)}: {escape(reason)}" for path, reason in report.failed.items()
    ]
    lines += [
        f"• warning {escape(path)}: {escape(note)}"
        for path, notes in report.warnings.items()
        for note in notes
    ]
    return "\n".join(lines)


def suggested_prompts(index: KnowledgeIndex) -> list[dict[str, str]]:
    """Assistant prompts drawn from the onboarding documents: one per document title."""
    titles = sorted(
        {doc.title for doc in index.documents(include_drafts=False) if doc.category == "onboarding"}
    )
    return [
        {"title": title[:75], "message": f"What should a new starter know about {title}?"}
        for title in titles[:MAX_PROMPTS]
    ]


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}
