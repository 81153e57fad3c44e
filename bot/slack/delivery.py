"""Getting answers to people reliably: urgency first, then dedupe, rate limits and apologies.

Every way of asking (mention, DM, DM with a file, `/ask`, the assistant panel) comes through
`answer_question`, which assesses urgency before anything else. An urgent message is never
rate-limited, and whatever fails after the assessment, its reply still carries the emergency
route. The shared store is used fail-open: if it cannot be reached, people are still answered
(at worst twice), because silence is the one outcome this bot must never produce.
"""

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
from bot.safety.urgency import UrgencyAssessment
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

    The record of seen event ids lives in the shared store, so this holds across every worker
    process. If the store cannot be reached the event goes through: a rare duplicate answer
    is better than a message nobody answers.
    """

    def middleware(req: BoltRequest, resp: BoltResponse, next: Callable[[], Any]) -> Any:
        event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
        if event_id and not _first_time(services, f"event:{event_id}"):
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
    urgency: UrgencyAssessment | None = None,
) -> Answer | None:
    """Answer once per triggering message, urgent messages first and never silently.

    `message_key` identifies the user's message (channel and timestamp): the @mention and the
    `message` copy of the same message share it, so only the first produces an answer.
    `urgency` is the caller's assessment when it already made one.
    """
    urgency = urgency or services.engine.assess_urgency(question)
    if not _first_time(services, f"message:{message_key}"):
        return None
    if not urgency.urgent and not _within_rate_limit(services, user):
        apologise(RATE_LIMITED)
        return None
    try:
        answer = services.answer(
            question,
            urgency=urgency,
            history=services.thread_history(thread),
            channel="slack",
            thread=thread,
            user=user,
        )
        post(answer)
        return answer
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception("answering failed (reference %s)", reference)
        lines = services.engine.emergency_route() if urgency.urgent else []
        apologise(
            "\n".join(
                [
                    *lines,
                    f"Sorry, something went wrong while answering (reference {reference}). Please "
                    "try again in a minute; if it keeps happening, send the reference to the "
                    "practice companion maintainers.",
                ]
            )
        )
        return None


def _first_time(services: Services, key: str) -> bool:
    try:
        return services.store.first_time_seen(key)
    except Exception:
        log.exception("de-duplication store unavailable; handling %s anyway", key)
        return True


def _within_rate_limit(services: Services, user: str) -> bool:
    try:
        return services.store.allow_request(user, services.settings.rate_limit_per_minute)
    except Exception:
        log.exception("rate-limit store unavailable; not limiting")
        return True


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
    """A poster for plain text (apologies, the rate-limit message); failures are logged."""

    def post(text: str) -> None:
        try:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text)
        except Exception:
            log.exception("could not post a message to %s", channel)

    return post
