"""Review reminders for document owners: the daily direct message listing their documents
past review, the out-of-date notice after a 👎, and the Still correct and Needs change buttons.

An owner is the `owner` a document's front matter names, mapped to Slack by DOCUMENT_OWNERS:
a member id gets a direct message, a user group id a direct message to each member (Slack
cannot message a group as such, and any member may answer). Each reminder and notice is
claimed in the store before it is sent, so it goes out once across workers, hosts and
restarts; a claim whose message reached nobody is given back for the next run.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from slack_bolt import App

from bot.documents import DocumentInfo, Review
from bot.render.slack_blocks import escape
from bot.services import Services

log = logging.getLogger(__name__)

STILL_CORRECT = "review_still_correct"
NEEDS_CHANGE = "review_needs_change"
NEEDS_CHANGE_MODAL = "review_needs_change_modal"
REMINDER_TEXT = "These documents you look after are past their review date. Are they still correct?"
OUT_OF_DATE_TEXT = (
    "Someone rated an answer that quoted these documents you look after as out of date. "
    "Are they still correct?"
)
GONE = "This document is no longer in the knowledge base."
# Slack allows 50 blocks in a message; each document takes two, and the introduction one.
DOCUMENTS_PER_MESSAGE = 20
# A document title shown in a modal or carried in a button's value (Slack caps values at 2,000
# characters; a title is a line, so 150 loses nothing real).
_TITLE_CHARS = 150
# What an owner may type about what is wrong: room for a paragraph, not a case file.
_WHAT_IS_WRONG_CHARS = 1000

Block = dict[str, Any]


def send_review_reminders(services: Services, client: Any, today: date | None = None) -> int:
    """Direct-message each owner their documents past review that nobody has been reminded
    of in this review period; return how many documents were sent."""
    today, store = today or date.today(), services.store
    reviews = store.reviews()
    due = [
        doc
        for doc in (d.reviewed(reviews.get(d.doc_id)) for d in services.index.documents())
        if doc.is_stale(today)
    ]
    return sum(
        _claim_and_send(
            client,
            slack_id,
            REMINDER_TEXT,
            docs,
            claim=lambda d: store.claim_reminder(d.doc_id, d.review_due),
            release=lambda d: store.release_reminder(d.doc_id, d.review_due),
        )
        for slack_id, docs in _by_owner(services, due).items()
    )


def notify_out_of_date(services: Services, client: Any, ref: str) -> int:
    """Tell the owners of the documents an answer cited that it was rated out of date, once
    per answer and document; neither the rater, their comment nor the question is passed on.
    Return how many documents were notified."""
    store = services.store
    stored = store.answer(ref)
    if stored is None:
        return 0
    cited = {source["doc_id"] for source in json.loads(stored["sources"])}
    reviews = store.reviews(cited)
    docs = [
        doc.reviewed(reviews.get(doc.doc_id))
        for doc in services.index.documents()
        if doc.doc_id in cited
    ]
    return sum(
        _claim_and_send(
            client,
            slack_id,
            OUT_OF_DATE_TEXT,
            owned,
            claim=lambda d: store.claim_out_of_date_notice(ref, d.doc_id),
            release=lambda d: store.release_out_of_date_notice(ref, d.doc_id),
        )
        for slack_id, owned in _by_owner(services, docs).items()
    )


def register(app: App, services: Services) -> None:
    """Attach the Still correct and Needs change listeners to the app."""

    @app.action(STILL_CORRECT)
    def on_still_correct(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        doc_id = json.loads(body["actions"][0]["value"])["doc_id"]
        reviewer = body["user"]["id"]
        doc = _document(services, doc_id)
        if doc is None:
            note = GONE
        else:
            review = next_review(doc, reviewer, date.today(), services.settings.review_period_days)
            services.store.record_review(doc_id, review)
            note = (
                f":white_check_mark: Still correct: reviewed by <@{reviewer}> on "
                f"{review.last_reviewed}; next review due {review.review_due}."
            )
        message = body["message"]
        client.chat_update(
            channel=body["channel"]["id"],
            ts=message["ts"],
            text=message.get("text", REMINDER_TEXT),
            blocks=_answered(message["blocks"], doc_id, note),
        )

    @app.action(NEEDS_CHANGE)
    def on_needs_change(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        about = json.loads(body["actions"][0]["value"])
        about.update(channel=body["channel"]["id"], ts=body["message"]["ts"])
        client.views_open(trigger_id=body["trigger_id"], view=needs_change_modal(about))

    @app.view(NEEDS_CHANGE_MODAL)
    def on_needs_change_submitted(
        ack: Any, body: dict[str, Any], view: dict[str, Any], client: Any
    ) -> None:
        what = (view["state"]["values"]["what"]["what"].get("value") or "").strip()
        if not what:
            ack(response_action="errors", errors={"what": "Please say what needs changing."})
            return
        ack()
        about = json.loads(view["private_metadata"])
        doc = _document(services, about["doc_id"])
        if doc is None:
            reply = GONE
        else:
            reviews = services.store.reviews([doc.doc_id])
            services.store.flag_document(
                doc.doc_id,
                flagged_by=body["user"]["id"],
                what_is_wrong=what,
                last_reviewed=doc.reviewed(reviews.get(doc.doc_id)).last_reviewed,
            )
            reply = (
                f"Thanks: “{escape(doc.title)}” is flagged as needing change. Practice leads see "
                "it in the App Home and `/kb status` until it is reviewed again."
            )
        client.chat_postMessage(channel=about["channel"], thread_ts=about["ts"], text=reply)


def next_review(doc: DocumentInfo, reviewer: str, today: date, default_days: int) -> Review:
    """A review made today: due again after the document's own period (its front matter's
    review_due - last_reviewed), or REVIEW_PERIOD_DAYS when it sets none (or a due date
    before its review, which is no period)."""
    period = doc.review_period
    if period is None or period <= timedelta(0):
        period = timedelta(days=default_days)
    return Review(last_reviewed=today, review_due=today + period, reviewer=reviewer)


def needs_change_modal(about: dict[str, str]) -> Block:
    """The modal Needs change opens: what is wrong with the document, in a few words."""
    return {
        "type": "modal",
        "callback_id": NEEDS_CHANGE_MODAL,
        "private_metadata": json.dumps(about),
        "title": {"type": "plain_text", "text": "What needs changing?"},
        "submit": {"type": "plain_text", "text": "Flag it"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{escape(about['title'])}*"},
            },
            {
                "type": "input",
                "block_id": "what",
                "label": {"type": "plain_text", "text": "What is wrong or out of date?"},
                "hint": {"type": "plain_text", "text": "No case details, please."},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "what",
                    "multiline": True,
                    "max_length": _WHAT_IS_WRONG_CHARS,
                },
            },
        ],
    }


def document_blocks(doc: DocumentInfo) -> list[Block]:
    """One document in a reminder or notice: its linked title, dates, and the two buttons."""
    title = escape(doc.title)
    link = f"<{doc.url}|{title}>" if doc.url.startswith(("https://", "http://")) else title
    dates = f"Last reviewed {doc.last_reviewed or 'never'} · review due {doc.review_due or '—'}"
    value = json.dumps({"doc_id": doc.doc_id, "title": doc.title[:_TITLE_CHARS]})
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{link}*\n{dates}"}},
        {
            "type": "actions",
            "block_id": _actions_id(doc.doc_id),
            "elements": [
                {
                    "type": "button",
                    "action_id": STILL_CORRECT,
                    "text": {"type": "plain_text", "text": "Still correct"},
                    "style": "primary",
                    "value": value,
                },
                {
                    "type": "button",
                    "action_id": NEEDS_CHANGE,
                    "text": {"type": "plain_text", "text": "Needs change"},
                    "value": value,
                },
            ],
        },
    ]


def _by_owner(services: Services, docs: Iterable[DocumentInfo]) -> dict[str, list[DocumentInfo]]:
    """Documents by their owner's Slack id; documents whose owner has none are logged (and
    listed by `bcft kb status`), never sent."""
    owners = services.settings.document_owners
    owned: dict[str, list[DocumentInfo]] = defaultdict(list)
    unmapped: set[str] = set()
    for doc in docs:
        if doc.owner in owners:
            owned[owners[doc.owner]].append(doc)
        else:
            unmapped.add(doc.doc_id)
    if unmapped:
        log.warning(
            "%d documents have no owner in Slack (DOCUMENT_OWNERS): %s",
            len(unmapped),
            ", ".join(sorted(unmapped)),
        )
    return owned


def _claim_and_send(
    client: Any,
    slack_id: str,
    intro: str,
    docs: list[DocumentInfo],
    *,
    claim: Callable[[DocumentInfo], bool],
    release: Callable[[DocumentInfo], None],
) -> int:
    """Send the documents this caller claims first; give the claims back if nobody received
    them. Return how many were sent."""
    claimed = [doc for doc in docs if claim(doc)]
    if not claimed:
        return 0
    if _send(client, slack_id, intro, claimed):
        return len(claimed)
    for doc in claimed:
        release(doc)
    return 0


def _send(client: Any, slack_id: str, intro: str, docs: list[DocumentInfo]) -> bool:
    """Direct-message `docs` to a member, or to each member of a user group, in messages of
    DOCUMENTS_PER_MESSAGE; True when at least one person received them."""
    try:
        people = _members(client, slack_id)
    except Exception:
        log.exception("could not read the members of owner group %s", slack_id)
        return False
    delivered = False
    for person in people:
        try:
            for start in range(0, len(docs), DOCUMENTS_PER_MESSAGE):
                blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": intro}}]
                for doc in docs[start : start + DOCUMENTS_PER_MESSAGE]:
                    blocks += document_blocks(doc)
                client.chat_postMessage(channel=person, text=intro, blocks=blocks)
            delivered = True
        except Exception:
            log.exception("could not send document owner %s their documents", person)
    return delivered


def _members(client: Any, slack_id: str) -> list[str]:
    if slack_id.startswith("S"):
        return list(client.usergroups_users_list(usergroup=slack_id).get("users", []))
    return [slack_id]


def _document(services: Services, doc_id: str) -> DocumentInfo | None:
    """The document as indexed now (its front matter), if it is still indexed."""
    return next((d for d in services.index.documents() if d.doc_id == doc_id), None)


def _answered(blocks: list[Block], doc_id: str, note: str) -> list[Block]:
    """The message with one document's buttons replaced by what was done about it."""
    done = {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}
    return [done if b.get("block_id") == _actions_id(doc_id) else b for b in blocks]


def _actions_id(doc_id: str) -> str:
    return f"review:{doc_id}"
