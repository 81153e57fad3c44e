"""Where new starters ask: @mentions, direct messages, `/ask` and the assistant panel."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Assistant

from bot.render.slack_blocks import answer_blocks, fallback_text
from bot.safety.personal_data import redact_personal_data
from bot.services import Services
from bot.slack.admin import handle_upload, is_admin
from bot.slack.delivery import answer_question, post_answer, post_text, strip_mentions
from bot.slack.views import suggested_prompts

log = logging.getLogger(__name__)

GREETING = (
    "Hello! I answer questions about the Trust, its procedures and Ofsted's findings, from the "
    "BCFT knowledge base, and I always show my sources. If a child is in immediate danger, "
    "call 999 now. Please do not paste case details (names, dates of birth, addresses)."
)


def register(app: App, services: Services) -> None:
    """Attach the question listeners to the app."""

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], client: Any) -> None:
        channel, ts = event["channel"], event["ts"]
        thread_ts = event.get("thread_ts") or ts
        answer_question(
            services,
            question=strip_mentions(event.get("text", "")),
            user=event.get("user", ""),
            message_key=f"{channel}:{ts}",
            thread=f"{channel}:{thread_ts}",
            post=post_answer(client, channel, thread_ts),
            apologise=post_text(client, channel, thread_ts),
        )

    @app.event("message")
    def on_direct_message(event: dict[str, Any], client: Any) -> None:
        """Direct messages only: in channels the app_mention event is the one answered."""
        if event.get("channel_type") != "im" or event.get("bot_id"):
            return
        channel, ts = event["channel"], event["ts"]
        subtype = event.get("subtype")
        if subtype not in (None, "file_share"):
            return  # edits, deletions and other housekeeping
        question = strip_mentions(event.get("text", ""))
        user = event.get("user", "")
        if question or subtype is None:
            # The words sent with a file are a question too, unless a practice lead is adding
            # a document; an urgent message is answered first, whoever sends it.
            urgency = services.engine.assess_urgency(question)
            adding_document = (
                subtype == "file_share" and not urgency.urgent and is_admin(services, client, user)
            )
            if not adding_document:
                answer_question(
                    services,
                    question=question,
                    user=user,
                    message_key=f"{channel}:{ts}",
                    thread=channel,
                    post=post_answer(client, channel, event.get("thread_ts")),
                    apologise=post_text(client, channel, event.get("thread_ts")),
                    urgency=urgency,
                )
        if subtype == "file_share":
            handle_upload(services, client, event)

    @app.command("/ask")
    def on_ask(ack: Any, command: dict[str, Any], respond: Any) -> None:
        ack()
        channel, user = command.get("channel_id", ""), command.get("user_id", "")

        def post(answer: Any) -> None:
            respond(
                response_type="ephemeral",
                text=fallback_text(answer),
                blocks=answer_blocks(answer, share=True),
            )

        answer_question(
            services,
            question=command.get("text", ""),
            user=user,
            message_key=f"command:{command.get('trigger_id', '')}",
            thread=f"{channel}:{user}:ask",
            post=post,
            apologise=lambda text: respond(response_type="ephemeral", text=text),
        )

    app.use(_assistant(services))


def _assistant(services: Services) -> Assistant:
    """The side panel: greeting and prompts, a "thinking" status, a thread title."""
    assistant = Assistant()

    @assistant.thread_started
    def start(say: Any, set_suggested_prompts: Any) -> None:
        say(GREETING)
        prompts = suggested_prompts(services.index)
        if prompts:
            set_suggested_prompts(prompts=prompts, title="Questions new starters ask")

    @assistant.user_message
    def on_message(
        payload: dict[str, Any], client: Any, set_status: Any, set_title: Any, say: Any
    ) -> None:
        channel, ts, thread_ts = payload["channel"], payload["ts"], payload["thread_ts"]
        question = strip_mentions(payload.get("text", ""))
        urgency = services.engine.assess_urgency(question)
        thread = f"{channel}:{thread_ts}"
        if not services.thread_history(thread):
            _cosmetic(set_title, redact_personal_data(question)[0][:80] or "Question")
        _cosmetic(set_status, "is thinking…")

        def apologise(text: str) -> None:
            post_text(client, channel, thread_ts)(text)
            _cosmetic(set_status, "")

        answer_question(
            services,
            question=question,
            user=payload.get("user", ""),
            message_key=f"{channel}:{ts}",
            thread=thread,
            post=post_answer(client, channel, thread_ts),
            apologise=apologise,
            urgency=urgency,
        )

    return assistant


def _cosmetic(call: Any, text: str) -> None:
    """A thread title or status: nice to have, never a reason not to answer."""
    try:
        call(text)
    except Exception:
        log.warning("could not update the assistant thread", exc_info=True)
