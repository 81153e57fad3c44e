"""Where new starters ask: @mentions, direct messages, `/ask` and the assistant panel."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Assistant

from bot.render.slack_blocks import answer_blocks, fallback_text
from bot.services import Services
from bot.slack.admin import handle_upload
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
        if event.get("subtype") == "file_share":
            handle_upload(services, client, event)
            return
        if event.get("subtype"):
            return  # edits, deletions and other housekeeping
        answer_question(
            services,
            question=strip_mentions(event.get("text", "")),
            user=event.get("user", ""),
            message_key=f"{channel}:{ts}",
            thread=channel,
            post=post_answer(client, channel, event.get("thread_ts")),
            apologise=post_text(client, channel, event.get("thread_ts")),
        )

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
        thread = f"{channel}:{thread_ts}"
        if not services.store.thread_questions(thread):
            set_title(question[:80] or "Question")
        set_status("is thinking…")

        def apologise(text: str) -> None:
            say(text)
            set_status("")

        answer_question(
            services,
            question=question,
            user=payload.get("user", ""),
            message_key=f"{channel}:{ts}",
            thread=thread,
            post=post_answer(client, channel, thread_ts),
            apologise=apologise,
        )

    return assistant
