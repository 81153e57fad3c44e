"""Block Kit for answering knowledge gaps: the App Home's gaps and drafts, and the modals."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.documents import CATEGORIES
from bot.render.slack_blocks import escape
from bot.store import Gap, GapAnswer

WRITE_GAP_ANSWER = "write_gap_answer"
PUBLISH_GAP_ANSWER = "publish_gap_answer"
DISCARD_GAP_ANSWER = "discard_gap_answer"
GAP_ANSWER_MODAL = "gap_answer_modal"
ALREADY_ANSWERED = "already_answered"
ALREADY_ANSWERED_MODAL = "already_answered_modal"
DRAFTS_HEADING = "Answers waiting for a second practice lead"
# The modal's inputs, by block id (each block's input element has the same action id).
QUESTION, ANSWER, SOURCE, CATEGORY = "question", "answer", "source", "category"
SECTION = "section"  # the Already answered modal's choice of section
# A question becomes the document's title, so it is a line; an answer may use all of the
# 3,000 characters Slack allows a text input.
QUESTION_CHARS = 150
ANSWER_CHARS = 3000
# How much of a gap's question the App Home shows (a section's text holds 3,000 characters).
_SHOWN_CHARS = 300
# Slack's limit on the text of a radio button's option.
_OPTION_CHARS = 75

Block = dict[str, Any]


def gap_blocks(gaps: list[Gap]) -> list[Block]:
    """One section per gap, with its Write an answer button, and Already answered."""
    blocks: list[Block] = []
    for gap in gaps:
        blocks += [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"{escape(gap.question[:_SHOWN_CHARS])} ({gap.count}×)",
                },
                "accessory": _button("Write an answer", WRITE_GAP_ANSWER, gap.id),
            },
            {
                "type": "actions",
                "elements": [_button("Already answered", ALREADY_ANSWERED, gap.id)],
            },
        ]
    return blocks


def draft_blocks(drafts: list[GapAnswer], viewer: str) -> list[Block]:
    """Each draft with Publish (for a practice lead other than its author) and Discard."""
    blocks: list[Block] = []
    for draft in drafts:
        drafted = date.fromtimestamp(draft.drafted_at).isoformat()
        about = f"\nFor: {escape(draft.gap[:_SHOWN_CHARS])}" if draft.gap else ""
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*{escape(draft.title)}* ({draft.category}), drafted by "
                    f"<@{draft.author}> on {drafted}{about}",
                },
            }
        )
        buttons = (
            []
            if draft.author == viewer
            else [{**_button("Publish", PUBLISH_GAP_ANSWER, str(draft.id)), "style": "primary"}]
        )
        discard = {
            **_button("Discard", DISCARD_GAP_ANSWER, str(draft.id)),
            "style": "danger",
            "confirm": {
                "title": _plain("Discard this draft?"),
                "text": _plain("Its file is deleted from the knowledge base folder."),
                "confirm": _plain("Discard"),
                "deny": _plain("Keep it"),
            },
        }
        blocks.append({"type": "actions", "elements": [*buttons, discard]})
        if draft.author == viewer:
            blocks.append(_context("You wrote this one: another practice lead publishes it."))
    return blocks


def gap_answer_modal(gap: Gap) -> Block:
    """Write an answer: the question (the gap's, editable), the answer, its public source
    and its category."""
    options = [{"text": _plain(category), "value": category} for category in CATEGORIES]
    return {
        "type": "modal",
        "callback_id": GAP_ANSWER_MODAL,
        "private_metadata": gap.id,
        "title": _plain("Write an answer"),
        "submit": _plain("Save draft"),
        "close": _plain("Cancel"),
        "blocks": [
            _context(
                f"Asked {gap.count} times. Your answer is saved as a draft document; another "
                "practice lead publishes it. Facts from a public source only, no case details."
            ),
            _input(
                QUESTION,
                "Question (the document's title)",
                {
                    "type": "plain_text_input",
                    "initial_value": gap.question[:QUESTION_CHARS],
                    "max_length": QUESTION_CHARS,
                },
            ),
            _input(
                ANSWER,
                "Answer",
                {"type": "plain_text_input", "multiline": True, "max_length": ANSWER_CHARS},
                hint="One checkable fact per sentence, as the source gives it: the bot quotes "
                "single sentences.",
            ),
            _input(
                SOURCE,
                "Public source (web address)",
                {"type": "url_text_input"},
                hint="The public page the answer comes from; citations link to it.",
            ),
            _input(CATEGORY, "Category", {"type": "static_select", "options": options}),
        ],
    }


def already_answered_modal(gap: Gap, sections: list[str], metadata: str) -> Block:
    """Already answered: the question (the gap's, editable) and the section that answers it,
    one of `sections` ("Title – Heading"); `metadata` says which is which."""
    options = [
        {"text": _plain(_shortened(name, _OPTION_CHARS)), "value": str(n)}
        for n, name in enumerate(sections)
    ]
    return {
        "type": "modal",
        "callback_id": ALREADY_ANSWERED_MODAL,
        "private_metadata": metadata,
        "title": _plain("Already answered"),
        "submit": _plain("Add the question"),
        "close": _plain("Cancel"),
        "blocks": [
            _context(
                f"Asked {gap.count} times. The question is added to the section's anticipated "
                "questions, so questions asked this way find it; it is never quoted. No case "
                "details."
            ),
            _input(
                QUESTION,
                "Question, as staff ask it",
                {
                    "type": "plain_text_input",
                    "initial_value": gap.question[:QUESTION_CHARS],
                    "max_length": QUESTION_CHARS,
                },
            ),
            _input(
                SECTION,
                "The section that answers it",
                {"type": "radio_buttons", "options": options},
                hint="The sections the bot finds closest to the question.",
            ),
        ],
    }


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _input(block_id: str, label: str, element: Block, hint: str | None = None) -> Block:
    block = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": {**element, "action_id": block_id},
    }
    return {**block, "hint": _plain(hint)} if hint else block


def _button(text: str, action_id: str, value: str) -> Block:
    return {"type": "button", "text": _plain(text), "action_id": action_id, "value": value}


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}
