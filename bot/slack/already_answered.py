"""Practice leads close a knowledge gap that a published section already answers.

Already answered (beside Write an answer in the App Home) offers the sections the bot finds
closest to the gap's question. The lead picks the one that answers it, and the question, as
staff asked it (editable, checked for personal data), is added to that section's anticipated
questions in its document's front matter (`ingest.drafts.add_question`); the document is
ingested again. The bot is then asked the gap's question, as staff asked it: only if it now
answers it from that section is the gap closed and each asker told, as for a published
answer. Otherwise the question stays in the file (the lead said the section answers it) and
the gap stays open.

No second practice lead is needed: nothing staff read changes, since an anticipated question
is only searched, never quoted, and the answer comes from a section already published.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from slack_bolt import App

from bot.documents import DocumentInfo
from bot.render.slack_blocks import escape
from bot.services import Services
from bot.settings import Settings
from bot.slack.admin import NOT_ALLOWED, is_admin, publish_home
from bot.slack.gap_answers import (
    GAP_CLOSED,
    ingest_file,
    open_gap_for,
    tell,
    tell_askers,
    text_problem,
)
from bot.slack.gap_views import (
    ALREADY_ANSWERED,
    ALREADY_ANSWERED_MODAL,
    QUESTION,
    QUESTION_CHARS,
    SECTION,
    already_answered_modal,
)
from ingest.drafts import add_question
from ingest.errors import LoadError

log = logging.getLogger(__name__)

# How many passages to look through for sections, and how many sections to offer: enough to
# hold the right one when the bot refused the question, few enough to read at a glance.
_PASSAGES = 10
_SECTIONS = 5
NO_SECTION = (
    "The knowledge base has no section close to that question: use Write an answer instead."
)
UNREADABLE = "That choice could not be read. Nothing was changed."
NOT_A_FILE = (
    "That section's document is not a Markdown file of the knowledge base folder, so it "
    "cannot be changed from Slack. Nothing was changed."
)


def register(app: App, services: Services) -> None:
    """Attach the Already answered button and modal listeners to the app."""

    @app.action(ALREADY_ANSWERED)
    def on_press(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        user = body["user"]["id"]
        gap = open_gap_for(services, client, user, body["actions"][0].get("value", ""))
        if gap is None:
            return
        sections = nearest_sections(services, gap.question)
        if not sections:
            tell(client, user, NO_SECTION)
            return
        metadata = json.dumps({"gap": gap.id, "sections": [[d, h] for d, h, _ in sections]})
        names = [name for _, _, name in sections]
        view = already_answered_modal(gap, names, metadata)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(ALREADY_ANSWERED_MODAL)
    def on_submit(ack: Any, body: dict[str, Any], view: dict[str, Any], client: Any) -> None:
        values = view["state"]["values"]
        typed = (values.get(QUESTION, {}).get(QUESTION) or {}).get("value") or ""
        question = " ".join(typed.split())
        chosen = (values.get(SECTION, {}).get(SECTION) or {}).get("selected_option") or {}
        errors = {QUESTION: text_problem(question, QUESTION_CHARS)}
        if not str(chosen.get("value", "")).isdigit():
            errors[SECTION] = "Choose the section that answers it."
        errors = {block: problem for block, problem in errors.items() if problem}
        if errors:  # the modal stays open with what was typed, each problem under its field
            ack(response_action="errors", errors=errors)
            return
        ack()
        user = body["user"]["id"]
        add_to_section(
            services, client, user, view.get("private_metadata", ""), question, int(chosen["value"])
        )


def nearest_sections(services: Services, question: str) -> list[tuple[str, str, str]]:
    """The published sections closest to `question`, best first: (document id, heading,
    "Title – Heading"). A document's text before its first heading has no section."""
    engine = services.engine
    knowledge = engine.knowledge()
    found = engine.retriever.retrieve(
        question, _PASSAGES, snapshot=knowledge.snapshot, glossary=knowledge.glossary
    )
    sections: dict[tuple[str, str], str] = {}
    for passage in found.chunks:
        chunk = passage.chunk
        if chunk.section:
            heading = chunk.section.split(" > ")[-1]
            sections.setdefault((chunk.doc_id, heading), f"{chunk.info.title} – {heading}")
    return [(doc_id, heading, name) for (doc_id, heading), name in sections.items()][:_SECTIONS]


def add_to_section(
    services: Services, client: Any, user: str, metadata: str, question: str, choice: int
) -> None:
    """Add `question` to the chosen section, ingest its document, and close the gap if the
    bot now answers the question from there."""
    if not is_admin(services, client, user):
        tell(client, user, NOT_ALLOWED)
        return
    try:
        saved = json.loads(metadata)
        gap_id, (doc_id, heading) = saved["gap"], saved["sections"][choice]
    except (ValueError, KeyError, IndexError, TypeError):
        tell(client, user, UNREADABLE)
        return
    gap = services.store.open_gap(gap_id)
    if gap is None:
        tell(client, user, GAP_CLOSED)
        publish_home(services, client, user)
        return
    info = next((doc for doc in services.index.documents() if doc.doc_id == doc_id), None)
    path = _knowledge_base_file(services.settings, info)
    if info is None or path is None:
        tell(client, user, NOT_A_FILE)
        return
    name = f"{info.title} – {heading}"
    failed = _add_and_ingest(services, path, heading, question)
    if failed:
        text = f"Could not add the question to *{escape(name)}*: {escape(failed)}."
        tell(client, user, f"{text} Nothing was changed.")
        return
    answer = services.engine.ask(gap.question)  # as staff asked it, before the lead's edits
    if answer.reason != "answered" or doc_id not in {source.doc_id for source in answer.sources}:
        tell(
            client,
            user,
            f"Added the question to *{escape(name)}*. Asked it again now, the bot still does not "
            "answer it from that section, so the gap stays open: if the section does not state "
            "the answer plainly, use Write an answer.",
        )
        publish_home(services, client, user)
        return
    closed = services.store.add_gap_answer(
        doc_id=doc_id,
        title=name,
        category=info.category,
        path=str(path),
        gap=gap.question,
        author=user,
        published=True,
    )
    told = tell_askers(services, client, closed)
    tell(
        client,
        user,
        f"Added the question to *{escape(name)}*: asked again now, the bot answers it from "
        f"there. Conversations told that it covers their question: {told}.",
    )
    publish_home(services, client, user)


def _knowledge_base_file(settings: Settings, info: DocumentInfo | None) -> Path | None:
    """The document's Markdown file, if it lies in the knowledge base folder."""
    if info is None or not info.path.endswith(".md"):
        return None
    path = Path(info.path).resolve()
    return path if path.is_relative_to(settings.knowledge_base_dir.resolve()) else None


def _add_and_ingest(services: Services, path: Path, heading: str, question: str) -> str:
    """Add the question and ingest the file; what went wrong, with the file put back, or ""."""
    try:
        before = path.read_bytes()
    except OSError as error:
        return str(error)
    try:
        add_question(path, heading, question)
        failed = ingest_file(services, path)
    except (OSError, LoadError) as error:
        failed = str(error)
    if failed:
        path.write_bytes(before)
        log.info("question not added to %s: %s", path, failed)
    return failed
