"""Block Kit views that are not answers: feedback modal, App Home, KB status, prompts."""

from __future__ import annotations

from typing import Any

from bot.documents import IngestReport
from bot.index import KnowledgeIndex
from bot.kb_report import KnowledgeBaseReport
from bot.render.slack_blocks import escape

FEEDBACK_MODAL = "feedback_modal"
FEEDBACK_REASONS = {
    "incorrect": "Incorrect",
    "out_of_date": "Out of date",
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


def home_view(report: KnowledgeBaseReport, gaps: list[tuple[str, int]]) -> dict[str, Any]:
    """The App Home tab practice leads read."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "BCFT practice companion"}},
        *kb_status_blocks(report),
        {"type": "divider"},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Most frequent unanswered questions*"},
        },
    ]
    if gaps:
        lines = "\n".join(f"• {escape(question)} ({count}×)" for question, count in gaps)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": lines[:2900]}})
    else:
        blocks.append(_context("None so far."))
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
    return blocks


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
