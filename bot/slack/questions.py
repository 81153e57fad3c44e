"""Where new starters ask: @mentions, direct messages, `/ask` and the assistant panel.

Each listener runs after Slack's request is acknowledged (`/ask` acknowledges first thing) and
only reads the payload and queues the question on the answer pool (`assess_then`): urgency is
assessed there first, then the question is answered and the answer posted.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Assistant

from bot.render.slack_blocks import answer_blocks, fallback_text
from bot.safety.personal_data import redact_personal_data
from bot.safety.urgency import UrgencyAssessment
from bot.services import Services
from bot.slack.admin import handle_upload, is_admin
from bot.slack.answer_pool import AnswerPool, Priority
from bot.slack.delivery import (
    Asked,
    answer_question,
    assess_then,
    first_time,
    post_answer,
    post_text,
    strip_mentions,
)
from bot.slack.metrics import SlackMetrics
from bot.slack.views import suggested_prompts

log = logging.getLogger(__name__)

GREETING = (
    "Hello! I answer questions about the Trust, its procedures and Ofsted's findings, from the "
    "BCFT knowledge base, and I always show my sources. If a child is in immediate danger, "
    "call 999 now. Please do not paste case details (names, dates of birth, addresses)."
)


def register(app: App, services: Services, answers: AnswerPool, metrics: SlackMetrics) -> None:
    """Attach the question listeners to the app; `answers` does the answering."""

    @app.event("app_mention")
    def on_mention(body: dict[str, Any], event: dict[str, Any], client: Any) -> None:
        asked = Asked("mention", body.get("event_id", ""))
        channel, ts = event["channel"], event["ts"]
        thread_ts = event.get("thread_ts") or ts
        question = strip_mentions(event.get("text", ""))

        def answer(urgency: UrgencyAssessment) -> None:
            answer_question(
                services,
                answers,
                metrics,
                asked=asked,
                question=question,
                user=event.get("user", ""),
                message_key=f"{channel}:{ts}",
                thread=f"{channel}:{thread_ts}",
                post=post_answer(client, channel, thread_ts),
                apologise=post_text(client, channel, thread_ts),
                urgency=urgency,
            )

        assess_then(services, answers, metrics, asked, question, answer)

    @app.event("message")
    def on_direct_message(body: dict[str, Any], event: dict[str, Any], client: Any) -> None:
        """Direct messages only: in channels the app_mention event is the one answered."""
        if event.get("channel_type") != "im" or event.get("bot_id"):
            return
        channel, ts = event["channel"], event["ts"]
        subtype = event.get("subtype")
        if subtype not in (None, "file_share"):
            return  # edits, deletions and other housekeeping
        asked = Asked("dm_file" if subtype else "dm", body.get("event_id", ""))
        question = strip_mentions(event.get("text", ""))
        user = event.get("user", "")

        def upload() -> None:  # ingesting is CPU work, so it waits its turn like an answer
            answers.submit(Priority.ROUTINE, lambda: handle_upload(services, client, event))

        def answer(urgency: UrgencyAssessment) -> None:
            # The words sent with a file are a question too, unless a practice lead is adding
            # a document; an urgent message is answered first, whoever sends it, and the file
            # is dealt with once the answer is sent.
            then = upload if subtype == "file_share" else None
            answering = (question or subtype is None) and not (
                subtype == "file_share" and not urgency.urgent and is_admin(services, client, user)
            )
            if answering:
                answer_question(
                    services,
                    answers,
                    metrics,
                    asked=asked,
                    question=question,
                    user=user,
                    message_key=f"{channel}:{ts}",
                    thread=channel,
                    post=post_answer(client, channel, event.get("thread_ts")),
                    apologise=post_text(client, channel, event.get("thread_ts")),
                    urgency=urgency,
                    then=then,
                )
            elif then is not None:
                then()

        assess_then(services, answers, metrics, asked, question, answer)

    @app.command("/ask")
    def on_ask(ack: Any, command: dict[str, Any], respond: Any) -> None:
        ack()  # Slack is answered before the question is even queued
        asked = Asked("ask", command.get("trigger_id", ""))
        channel, user = command.get("channel_id", ""), command.get("user_id", "")
        question = command.get("text", "")

        def post(answer: Any) -> None:
            respond(
                response_type="ephemeral",
                text=fallback_text(answer),
                blocks=answer_blocks(answer, share=True),
            )

        def answer(urgency: UrgencyAssessment) -> None:
            answer_question(
                services,
                answers,
                metrics,
                asked=asked,
                question=question,
                user=user,
                message_key=f"command:{command.get('trigger_id', '')}",
                thread=f"{channel}:{user}:ask",
                post=post,
                apologise=lambda text: respond(response_type="ephemeral", text=text),
                urgency=urgency,
            )

        assess_then(services, answers, metrics, asked, question, answer)

    app.use(_assistant(services, answers, metrics))


def _assistant(services: Services, answers: AnswerPool, metrics: SlackMetrics) -> Assistant:
    """The side panel: greeting and prompts, a "thinking" status, a thread title."""
    assistant = Assistant()

    @assistant.thread_started
    def start(payload: dict[str, Any], say: Any, set_suggested_prompts: Any) -> None:
        thread = payload.get("assistant_thread", {})
        key = f"greeting:{thread.get('channel_id')}:{thread.get('thread_ts')}"
        if thread.get("thread_ts") and not first_time(services, metrics, key):
            return  # Slack's retry of an event already handled
        say(GREETING)
        prompts = suggested_prompts(services.index)
        if prompts:
            set_suggested_prompts(prompts=prompts, title="Questions new starters ask")

    @assistant.user_message
    def on_message(
        body: dict[str, Any],
        payload: dict[str, Any],
        client: Any,
        set_status: Any,
        set_title: Any,
        say: Any,
    ) -> None:
        asked = Asked("assistant", body.get("event_id", ""))
        channel, ts, thread_ts = payload["channel"], payload["ts"], payload["thread_ts"]
        question = strip_mentions(payload.get("text", ""))
        thread = f"{channel}:{thread_ts}"
        # Shown at once, while the question waits its turn (the title is redacted text).
        if not services.thread_history(thread):
            _cosmetic(set_title, redact_personal_data(question)[0][:80] or "Question")
        _cosmetic(set_status, "is thinking…")

        def apologise(text: str) -> None:
            try:
                post_text(client, channel, thread_ts)(text)
            finally:  # even when Slack will not take the apology, stop "thinking"
                _cosmetic(set_status, "")

        def answer(urgency: UrgencyAssessment) -> None:
            answer_question(
                services,
                answers,
                metrics,
                asked=asked,
                question=question,
                user=payload.get("user", ""),
                message_key=f"{channel}:{ts}",
                thread=thread,
                post=post_answer(client, channel, thread_ts),
                apologise=apologise,
                urgency=urgency,
            )

        assess_then(services, answers, metrics, asked, question, answer)

    return assistant


def _cosmetic(call: Any, text: str) -> None:
    """A thread title or status: nice to have, never a reason not to answer."""
    try:
        call(text)
    except Exception:
        log.warning("could not update the assistant thread", exc_info=True)
