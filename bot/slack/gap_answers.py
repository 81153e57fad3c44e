"""Practice leads answer knowledge gaps from the App Home: Write an answer, Publish, Discard.

Write an answer opens a modal (the question, the answer, its public source, its category);
saving it writes a draft document into the knowledge base folder (`ingest.drafts`) and
ingests it: drafts are indexed but never used in answers. A practice lead other than its
author publishes it (four eyes): the file's status becomes published, it is ingested, the
gap is closed in the store, and each person who asked one of its questions is told once, in
their thread, that the knowledge base now covers it. Only practice leads may do any of it.
Each step is reported to the lead in a direct message and their App Home is shown again.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from slack_bolt import App

from bot.documents import CATEGORIES
from bot.render.slack_blocks import escape
from bot.safety.personal_data import find_personal_data
from bot.services import ReindexBusyError, Services
from bot.settings import Settings
from bot.slack.admin import NOT_ALLOWED, is_admin, publish_home
from bot.slack.gap_views import (
    ANSWER,
    ANSWER_CHARS,
    CATEGORY,
    DISCARD_GAP_ANSWER,
    GAP_ANSWER_MODAL,
    PUBLISH_GAP_ANSWER,
    QUESTION,
    QUESTION_CHARS,
    SOURCE,
    WRITE_GAP_ANSWER,
    gap_answer_modal,
)
from bot.store import Gap, GapAnswer
from ingest.drafts import Draft, review_due, set_status, write_draft
from ingest.errors import LoadError
from ingest.metadata import FrontMatter

log = logging.getLogger(__name__)

FOUR_EYES = (
    "You wrote this answer, so another practice lead publishes it: every answer is checked "
    "by a second practice lead before staff see it. Nothing was changed."
)
DECIDED = "That draft has already been published or discarded. Nothing was changed."
GAP_CLOSED = "That question has been answered or is no longer asked. Nothing was changed."
NOW_COVERED = (
    "The knowledge base now covers a question you asked: *{title}*. "
    "Ask me again to get the answer with its sources."
)


@dataclass(frozen=True)
class Written:
    """What a practice lead typed into the Write an answer modal."""

    question: str
    answer: str
    source: str
    category: str


def register(app: App, services: Services) -> None:
    """Attach the Write an answer, Publish and Discard listeners to the app."""

    @app.action(WRITE_GAP_ANSWER)
    def on_write(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        user = body["user"]["id"]
        gap = open_gap_for(services, client, user, body["actions"][0].get("value", ""))
        if gap is not None:
            client.views_open(trigger_id=body["trigger_id"], view=gap_answer_modal(gap))

    @app.view(GAP_ANSWER_MODAL)
    def on_submit(ack: Any, body: dict[str, Any], view: dict[str, Any], client: Any) -> None:
        written, errors = read_modal(view["state"]["values"])
        if errors:  # the modal stays open with what was typed, each problem under its field
            ack(response_action="errors", errors=errors)
            return
        ack()
        save_draft(services, client, body["user"]["id"], view.get("private_metadata", ""), written)

    @app.action(PUBLISH_GAP_ANSWER)
    def on_publish(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        publish(services, client, body["user"]["id"], body["actions"][0].get("value", ""))

    @app.action(DISCARD_GAP_ANSWER)
    def on_discard(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        discard(services, client, body["user"]["id"], body["actions"][0].get("value", ""))


def open_gap_for(services: Services, client: Any, user: str, gap_id: str) -> Gap | None:
    """The open gap a practice lead pressed a button for; None, with `user` told why, if they
    are not a practice lead or the gap is closed."""
    if not is_admin(services, client, user):
        tell(client, user, NOT_ALLOWED)
        return None
    gap = services.store.open_gap(gap_id)
    if gap is None:
        tell(client, user, GAP_CLOSED)
        publish_home(services, client, user)
    return gap


def read_modal(values: dict[str, Any]) -> tuple[Written, dict[str, str]]:
    """The modal's fields, and a message for each field that cannot be saved as it is."""

    def field(block: str) -> dict[str, Any]:
        return values.get(block, {}).get(block) or {}

    written = Written(
        question=" ".join((field(QUESTION).get("value") or "").split()),
        answer=(field(ANSWER).get("value") or "").strip(),
        source=(field(SOURCE).get("value") or "").strip(),
        category=(field(CATEGORY).get("selected_option") or {}).get("value", ""),
    )
    errors: dict[str, str] = {}
    for block, text, limit in (
        (QUESTION, written.question, QUESTION_CHARS),
        (ANSWER, written.answer, ANSWER_CHARS),
    ):
        problem = text_problem(text, limit)
        if problem:
            errors[block] = problem
    try:
        FrontMatter(sources=[written.source])  # the rule ingest applies to `sources`
    except ValidationError:
        errors[SOURCE] = "Give the public page's web address, starting http:// or https://."
    if written.category not in CATEGORIES:
        errors[CATEGORY] = "Choose a category."
    return written, errors


def text_problem(text: str, limit: int) -> str:
    """Why a modal's text cannot go into a document ("" if it can): empty, too long, or
    holding personal data."""
    kinds = sorted({found.kind for found in find_personal_data(text)})
    if not text:
        return "This cannot be empty."
    if len(text) > limit:
        return f"Keep it to {limit} characters."
    if kinds:
        return (
            f"Remove the personal data ({', '.join(kinds)}): documents state facts from "
            "public sources, never case details or contact details of people."
        )
    return ""


def save_draft(services: Services, client: Any, user: str, gap_id: str, written: Written) -> None:
    """Write the draft document, ingest it, and list it for a second practice lead."""
    if not is_admin(services, client, user):
        tell(client, user, NOT_ALLOWED)
        return
    settings, today = services.settings, date.today()
    gap = services.store.open_gap(gap_id)
    documents = services.index.documents()
    draft = Draft(
        title=written.question,
        answer=written.answer,
        source=written.source,
        category=written.category,
        owner=_owner(settings, user),
        drafted_by=user,
    )
    due = review_due(
        written.category, documents, today, timedelta(days=settings.review_period_days)
    )
    kept = f"Your answer, so nothing is lost:\n{escape(written.answer)}"
    try:
        doc_id, path = write_draft(
            settings.knowledge_base_dir,
            draft,
            today=today,
            due=due,
            taken={doc.doc_id for doc in documents},
        )
    except OSError as error:
        tell(client, user, f"Could not save the draft: {error}.\n{kept}")
        return
    failed = ingest_file(services, path)
    if failed:
        path.unlink(missing_ok=True)
        tell(client, user, f"Could not save the draft: {escape(failed)}.\n{kept}")
        return
    services.store.add_gap_answer(
        doc_id=doc_id,
        title=written.question,
        category=written.category,
        path=str(path),
        gap=gap.question if gap else "",
        author=user,
    )
    tell(
        client,
        user,
        f"Draft saved as `{escape(path.name)}` in {written.category}: *{escape(draft.title)}*. "
        "Another practice lead can publish it from the App Home.",
    )
    publish_home(services, client, user)


def publish(services: Services, client: Any, user: str, value: str) -> None:
    """Publish a draft (a practice lead other than its author), then tell who asked."""
    if not is_admin(services, client, user):
        tell(client, user, NOT_ALLOWED)
        return
    store = services.store
    draft = store.gap_answer(_answer_id(value))
    if draft is None or draft.state != "draft":
        tell(client, user, DECIDED)
        return
    if draft.author == user:
        tell(client, user, FOUR_EYES)
        return
    published = store.publish_gap_answer(draft.id, user)
    if published is None:  # another practice lead got there first
        tell(client, user, DECIDED)
        return
    path = Path(published.path)
    try:
        set_status(path, "published", by=user)
        failed = ingest_file(services, path)
    except (OSError, LoadError) as error:
        failed = str(error)
    if failed:
        store.reopen_gap_answer(published.id)
        with contextlib.suppress(OSError, LoadError):
            set_status(path, "draft")
        tell(client, user, f"Could not publish *{escape(published.title)}*: {escape(failed)}.")
        return
    told = tell_askers(services, client, published)
    tell(
        client,
        user,
        f"Published *{escape(published.title)}*: staff get answers from it now. "
        f"Conversations told that it covers their question: {told}.",
    )
    publish_home(services, client, user)


def discard(services: Services, client: Any, user: str, value: str) -> None:
    """Discard a draft: its file is deleted and its chunks leave the index."""
    if not is_admin(services, client, user):
        tell(client, user, NOT_ALLOWED)
        return
    discarded = services.store.discard_gap_answer(_answer_id(value), user)
    if discarded is None:
        tell(client, user, DECIDED)
        return
    path = Path(discarded.path)
    path.unlink(missing_ok=True)
    # Ingesting a file that is gone removes its chunks. A busy reindex leaves them for the
    # next one, which removes them too; until then the draft is still never used in answers.
    with contextlib.suppress(ReindexBusyError):
        services.reindex([path])
    tell(client, user, f"Discarded *{escape(discarded.title)}*; its file was deleted.")
    publish_home(services, client, user)


def tell_askers(services: Services, client: Any, published: GapAnswer) -> int:
    """Tell each conversation where the gap's questions were asked, once per question, that
    the knowledge base now covers it; return how many conversations were told."""
    refs_by_place: dict[tuple[str, str | None], list[str]] = {}
    for asked in services.store.gap_askers(published):
        place = reply_place(asked["thread"])
        if place is not None:
            refs_by_place.setdefault(place, []).append(asked["ref"])
    text = NOW_COVERED.format(title=escape(published.title))
    told = 0
    for (channel, thread_ts), refs in refs_by_place.items():
        claimed = [ref for ref in refs if services.store.claim_gap_notice(ref, published.id)]
        if not claimed:
            continue
        try:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text)
            told += 1
        except Exception:  # one conversation Slack refuses does not stop the others
            log.exception("could not tell %d askers in %s", len(claimed), channel)
    return told


def reply_place(thread: str | None) -> tuple[str, str | None] | None:
    """Where to reach whoever asked in a conversation, from the thread key the Slack
    listeners record (`bot.slack.questions`): "C123:1700000000.1" (a mention's or the
    assistant's thread: that thread), "C123:U456:ask" (`/ask`, answered privately: a direct
    message to U456) or "D123" (a direct message: that conversation)."""
    parts = (thread or "").split(":")
    if len(parts) == 3 and parts[2] == "ask" and parts[1]:
        return parts[1], None
    if len(parts) == 2 and all(parts):
        return parts[0], parts[1]
    if len(parts) == 1 and parts[0]:
        return parts[0], None
    return None


def ingest_file(services: Services, path: Path) -> str:
    """Ingest one file; what went wrong, or "" if it went in."""
    try:
        report = services.reindex([path])
    except ReindexBusyError as error:
        return str(error)
    return "; ".join(report.failed.values())


def _owner(settings: Settings, author: str) -> str:
    """GAP_ANSWER_OWNER, else the author by their DOCUMENT_OWNERS name, else their id."""
    if settings.gap_answer_owner:
        return settings.gap_answer_owner
    names = [name for name, slack_id in settings.document_owners.items() if slack_id == author]
    return names[0] if names else author


def _answer_id(value: str) -> int:
    """A draft's id from a button's value; -1 (no draft) if it is not a number."""
    return int(value) if value.isdigit() else -1


def tell(client: Any, user: str, text: str) -> None:
    """A direct message from the bot to `user` (its Messages tab)."""
    client.chat_postMessage(channel=user, text=text)
