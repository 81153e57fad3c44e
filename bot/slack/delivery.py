"""Getting answers to people reliably: urgency first, then dedupe, rate limits and apologies.

Every way of asking (mention, DM, DM with a file, `/ask`, the assistant panel) comes through
`assess_then` and `answer_question`, after Slack's request has been acknowledged: the message
is assessed for urgency before anything else, then de-duplicated, rate-limited (unless urgent)
and answered. An urgent message is never rate-limited, and whatever fails after the
assessment, its reply still carries the emergency route. The shared store is used fail-open:
if it cannot be reached, people are still answered (at worst twice), because silence is the
one outcome this bot must never produce. Each question is counted (`SlackMetrics`) and logged
by reference: Slack's id for the request until the answer exists, then the answer's `ref`.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from bot.answers import Answer
from bot.logs import log_context
from bot.render.slack_blocks import answer_blocks, fallback_text
from bot.safety.urgency import UNASSESSED, UrgencyAssessment
from bot.services import Services
from bot.slack.answer_pool import AnswerPool, Priority
from bot.slack.metrics import EntryPoint, Outcome, SlackMetrics

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
RATE_LIMITED = (
    "You have asked a lot of questions in the last minute. Please wait a moment and ask again."
)


@dataclass(frozen=True)
class Asked:
    """How a question arrived: where, Slack's id for the request (the event's id, or a
    command's trigger id: never what was typed), and when (for `bcft_answer_seconds`)."""

    entry_point: EntryPoint
    request_id: str
    received: float = field(default_factory=time.monotonic)


def strip_mentions(text: str) -> str:
    """The question without `<@U123>` mentions of the bot."""
    return " ".join(_MENTION.sub(" ", text or "").split())


def assess_then(
    services: Services,
    answers: AnswerPool,
    metrics: SlackMetrics,
    asked: Asked,
    question: str,
    work: Callable[[UrgencyAssessment], None],
) -> None:
    """Queue `work` for `question`: assess urgency first, then `work(urgency)`, urgent first.

    Called by listeners after Slack's request is acknowledged; returns at once. The
    assessment runs ahead of any answering, so an urgent message waits for no ordinary one.
    """

    def assess() -> None:
        urgency = services.engine.assess_urgency(question)
        if urgency is UNASSESSED:
            metrics.count_error("urgency_check")
        priority = Priority.URGENT if urgency.urgent else Priority.ROUTINE
        answers.submit(priority, lambda: work(urgency))

    with log_context(event=asked.request_id):
        answers.submit(Priority.ASSESS, assess)


def answer_question(
    services: Services,
    answers: AnswerPool,
    metrics: SlackMetrics,
    *,
    asked: Asked,
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
    # No reply for Slack's retry, or the `message` copy of an @mention: answered already.
    reply: Callable[[], None] | None = None
    reference = ""  # the answer's ref, or the apology's when answering failed
    if first_time(services, metrics, f"message:{message_key}"):
        metrics.count_question(asked.entry_point)
        outcome: Outcome
        if not urgency.urgent and not _within_rate_limit(services, metrics, user):
            outcome, reply = "rate_limited", partial(apologise, RATE_LIMITED)
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
            except Exception:
                reference, outcome = uuid.uuid4().hex[:12], "failed"
                metrics.count_error("answering")
                with log_context(ref=reference):
                    log.exception("answering failed (reference %s)", reference)
                reply = partial(apologise, _apology(services, urgency.urgent, reference))
            else:
                reference, outcome = answer.ref, answer.reason
                reply = partial(_post_or_apologise, services, metrics, answer, post, apologise)
        metrics.count_answer(outcome, urgency.urgent)

    def send() -> None:
        if reply is not None:
            try:
                reply()
                metrics.observe_answer(time.monotonic() - asked.received)
            except Exception:
                metrics.count_error("sending")
                log.exception("Slack did not take the reply")
        if then is not None:
            then()

    with log_context(ref=reference):
        answers.send(send)


def _post_or_apologise(
    services: Services,
    metrics: SlackMetrics,
    answer: Answer,
    post: Callable[[Answer], None],
    apologise: Callable[[str], None],
) -> None:
    """Send the answer; if Slack will not take it, an apology (with the route if urgent)."""
    try:
        post(answer)
    except Exception:
        metrics.count_error("sending")
        log.exception("Slack did not take answer %s; apologising", answer.ref)
        apologise(_apology(services, answer.urgent, answer.ref))


def _apology(services: Services, urgent: bool, reference: str) -> str:
    """An apology naming `reference` (the log's), starting with the emergency route if urgent."""
    lines = services.engine.emergency_route() if urgent else []
    return "\n".join(
        [
            *lines,
            f"Sorry, something went wrong while answering (reference {reference}). Please try "
            "again in a minute; if it keeps happening, send the reference to the practice "
            "companion maintainers.",
        ]
    )


def first_time(services: Services, metrics: SlackMetrics, key: str) -> bool:
    """True the first time `key` is seen by any worker; also True if the store is unreachable."""
    try:
        return services.store.first_time_seen(key)
    except Exception:
        metrics.count_error("store")
        log.exception("de-duplication store unavailable; handling %s anyway", key)
        return True


def _within_rate_limit(services: Services, metrics: SlackMetrics, user: str) -> bool:
    try:
        return services.store.allow_request(user, services.settings.rate_limit_per_minute)
    except Exception:
        metrics.count_error("store")
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
    """A poster for plain text (apologies, the rate-limit message)."""

    def post(text: str) -> None:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text)

    return post
