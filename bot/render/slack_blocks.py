"""Render an Answer as Slack Block Kit: urgent banner first, then answer, sources, buttons."""

from __future__ import annotations

from typing import Any

from bot.answers import Answer, Source

Block = dict[str, Any]
_MAX_TEXT = 2900  # Slack allows 3000 characters in a text object
_MAX_CONTEXT = 10  # and 10 elements in a context block

FEEDBACK_UP = "feedback_up"
FEEDBACK_DOWN = "feedback_down"
SHARE = "share_answer"


def escape(text: str) -> str:
    """Slack's three control characters in message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def answer_blocks(answer: Answer, *, feedback: bool = True, share: bool = False) -> list[Block]:
    """The blocks of one answer; `share` adds the button that posts an ephemeral answer."""
    blocks: list[Block] = []
    if answer.urgent:
        blocks.append(_header(":rotating_light: Urgent: a child may be at immediate risk"))
        blocks.append(_section("\n".join(f"*{escape(line)}*" for line in answer.emergency)))
    if answer.personal_data_warning:
        blocks.append(_context([f":warning: {escape(answer.personal_data_warning)}"]))
    blocks.append(_section(escape(answer.answer)))
    if answer.sources:
        lines = [_source_line(source) for source in answer.sources]
        blocks.append(_context(["*Sources*", *lines][:_MAX_CONTEXT]))
    if answer.notices:
        blocks.append(_context([f":hourglass: {escape(n)}" for n in answer.notices]))
    actions = []
    if feedback:
        actions += [
            _button(":+1: Helpful", FEEDBACK_UP, answer.ref),
            _button(":-1: Not right", FEEDBACK_DOWN, answer.ref),
        ]
    if share:
        actions.append(_button("Share in channel", SHARE, answer.ref, style="primary"))
    if actions:
        blocks.append({"type": "actions", "block_id": f"answer:{answer.ref}", "elements": actions})
    return blocks


def fallback_text(answer: Answer) -> str:
    """The plain `text` of the message, for notifications and screen readers."""
    lead = f"{answer.emergency[0]} " if answer.urgent and answer.emergency else ""
    return f"{lead}{answer.answer}"[:_MAX_TEXT]


def _source_line(source: Source) -> str:
    title = escape(source.title)
    link = f"<{source.url}|{title}>" if source.url.startswith(("http://", "https://")) else title
    parts = [f"[{source.n}] {link}"]
    if source.section:
        parts.append(escape(source.section))
    parts.append(f"reviewed {source.last_reviewed}" if source.last_reviewed else "not dated")
    if source.stale:
        parts.append(f":warning: past its review date ({source.review_due})")
    return " · ".join(parts)


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:_MAX_TEXT]}}


def _context(texts: list[str]) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": t[:_MAX_TEXT]} for t in texts[:_MAX_CONTEXT]],
    }


def _button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button
