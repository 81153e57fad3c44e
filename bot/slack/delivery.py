"""Getting answers to people reliably: dedupe, rate limits, threads and apologies."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.request import BoltRequest

from bot.answering.models import Answer
from bot.render.slack_blocks import answer_blocks, fallback_text
from bot.safety.personal_data import redact_personal_data
from bot.services import Services

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
RATE_LIMITED = (
    "You have asked a lot of questions in the last minute. Please wait a moment and ask again."
)


def strip_mentions(text: str) -> str:
    """The question without `<@U123>` mentions of the bot."""
    return " ".join(_MENTION.sub(" ", text or "").split())


def deduplicate(services: Services) -> Callable[..., Any]:
    """Global middleware: an event Slack delivers twice (a retry) is acknowledged and dropped.

    The record of seen event ids lives in the shared SQLite store, so this holds across every
    worker process on the host.
    """

    def middleware(req: BoltRequest, resp: BoltResponse, next: Callable[[], Any]) -> Any:
        event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
        if event_id and not services.store.first_time_seen(f"event:{event_id}"):
            log.info("dropping duplicate delivery of %s", event_id)
            return BoltResponse(status=200, body="")
        return next()

    return middleware


def answer_question(
    services: Services,
    *,
    question: str,
    user: str,
    message_key: str,
    thread: str,
    post: Callable[[Answer], None],
    apologise: Callable[[str], None],
) -> Answer | None:
    """Answer once per triggering message, within the user's rate limit, never silently.

    `message_key` identifies the user's message (channel and timestamp): the @mention and the
    `message` copy of the same message share it, so only the first produces an answer.
    """
    store, settings = services.store, services.settings
    if not store.first_time_seen(f"message:{message_key}"):
        return None
    if not store.allow_request(user, settings.rate_limit_per_minute):
        apologise(RATE_LIMITED)
        return None
    try:
        history = store.thread_questions(thread)
        answer = services.engine.ask(question, history=history, channel="slack", thread=thread)
        post(answer)
        return answer
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception(
            "answering failed (reference %s) for question %r",
            reference,
            redact_personal_data(question)[0],
        )
        apologise(
            f"Sorry, something went wrong while answering (reference {reference}). Please try "
            "again in a minute; if it keeps happening, send the reference to the practice "
            "companion maintainers."
        )
        return None


def post_answer(client: Any, channel: str, thread_ts: str | None) -> Callable[[Answer], None]:
    """A poster that sends an answer to a channel (in a thread when given)."""

    def post(answer: Answer) -> None:
        client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=fallback_text(answer),
            blocks=answer_blocks(answer),
            unfurl_links=False,
        )

    return post


def post_text(client: Any, channel: str, thread_ts: str | None) -> Callable[[str], None]:
    def post(text: str) -> None:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text)

    return post
