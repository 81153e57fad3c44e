"""Getting answers to people reliably: urgency first, then dedupe, rate limits and apologies.

Every way of asking (mention, DM, DM with a file, `/ask`, the assistant panel) comes through
`assess_then` and `answer_question`, after Slack's request has been acknowledged: the message
is assessed for urgency before anything else, then de-duplicated, rate-limited (unless urgent)
and answered. An urgent message is never rate-limited, and whatever fails after the
assessment, its reply still carries the emergency route. The shared store is used fail-open:
if it cannot be reached, people are still answered (at worst twice), because silence is the
one outcome this bot must never produce.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from bot.answers import Answer
from bot.render.slack_blocks import answer_blocks, fallback_text
from bot.safety.urgency import UrgencyAssessment
from bot.services import Services
from bot.slack.answer_pool import AnswerPool, Priority

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
RATE_LIMITED = (
    "You have asked a lot of questions in the last minute. Please wait a moment and ask again."
)


def strip_mentions(text: str) -> str:
    """The question without `<@U123>` mentions of the bot."""
    return " ".join(_MENTION.sub(" ", text or "").split())


def assess_then(
    services: Services,
    answers: AnswerPool,
    question: str,
    work: Callable[[UrgencyAssessment], None],
) -> None:
    """Queue `work` for `question`: assess urgency first, then `work(urgency)`, urgent first.

    Called by listeners after Slack's request is acknowledged; returns at once. The
    assessment runs ahead of any answering, so an urgent message waits for no ordinary one.
    """

    def assess() -> None:
        urgency = services.engine.assess_urgency(question)
        priority = Priority.URGENT if urgency.urgent else Priority.ROUTINE
        answers.submit(priority, lambda: work(urgency))

    answers.submit(Priority.ASSESS, assess)


def answer_question(
    services: Services,
    answers: AnswerPool,
    *,
    question: str,
    user: str,
    message_key: str,
    thread: str,
    post: Callable[[Answer], None],
    apologise: Callable[[str], None],
    urgency: UrgencyAssessment,
    then: Callable[[], None] | None = None,
) -> None:
    """Answer once per triggering message, never silently; `urgency` is its assessment.

    Runs on an answer thread; the reply is sent on a sending thread, then `then` runs there.
    `message_key` identifies the user's message (channel and timestamp): Slack's retries of
    an event, and the `message` copy of an @mention, share it, so only the first delivery
    produces an answer, while two messages never share it.
    """
    reply: Callable[[], None] | None
    if not first_time(services, f"message:{message_key}"):
        reply = None  # Slack's retry, or the `message` copy of an @mention: answered already
    elif not urgency.urgent and not _within_rate_limit(services, user):
        reply = partial(apologise, RATE_LIMITED)
    else:
        try:
            answer = services.answer(
                question,
                urgency=urgency,
                history=services.thread_history(thread),
                channel="slack",
                thread=thread,
                user=user,
            )
            reply = partial(_post_or_apologise, services, answer, post, apologise)
        except Exception:
            reply = partial(apologise, _failure_message(services, urgency.urgent))

    def send() -> None:
        if reply is not None:
            reply()
        if then is not None:
            then()

    answers.send(send)


def _post_or_apologise(
    services: Services,
    answer: Answer,
    post: Callable[[Answer], None],
    apologise: Callable[[str], None],
) -> None:
    """Send the answer; if Slack will not take it, an apology (with the route if urgent)."""
    try:
        post(answer)
    except Exception:
        apologise(_failure_message(services, answer.urgent))


def _failure_message(services: Services, urgent: bool) -> str:
    """An apology with a reference for the log, starting with the emergency route if urgent."""
    reference = uuid.uuid4().hex[:8]
    log.exception("answering failed (reference %s)", reference)
    lines = services.engine.emergency_route() if urgent else []
    return "\n".join(
        [
            *lines,
            f"Sorry, something went wrong while answering (reference {reference}). Please try "
            "again in a minute; if it keeps happening, send the reference to the practice "
            "companion maintainers.",
        ]
    )


def first_time(services: Services, key: str) -> bool:
    """True the first time `key` is seen by any worker; also True if the store is unreachable."""
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
