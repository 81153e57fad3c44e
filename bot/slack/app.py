"""Build the slack-bolt app: one place where every listener is attached."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.services import Services
from bot.slack import admin, already_answered, feedback, gap_answers, questions, reviews
from bot.slack.answer_pool import AnswerPool
from bot.slack.metrics import SlackMetrics


def create_app(services: Services, answers: AnswerPool, metrics: SlackMetrics) -> App:
    """The Bolt app, talking to SLACK_API_URL, acknowledging first and working after.

    Nothing stands between Slack's request and its acknowledgement but Bolt's own checks
    (signature, timestamp, routing): no middleware of ours touches the store or the model.
    Bolt acknowledges an event before its listener runs (process_before_response is off); a
    command or button listener calls ack() first thing. Listeners run on Bolt's executor
    (SLACK_LISTENER_THREADS threads) and only do quick work there: the question listeners
    hand each question to `answers`, the bounded pool that assesses and answers it, so a
    queue of answers never delays an acknowledgement.
    """
    settings = services.settings
    # A reply that Slack refuses for a moment (429 with Retry-After, a 5xx, a dropped
    # connection) is sent again rather than lost: it may carry the emergency route.
    client = WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(
            max_workers=settings.slack_listener_threads, thread_name_prefix="slack-listener"
        ),
    )
    questions.register(app, services, answers, metrics)
    feedback.register(app, services, metrics)
    admin.register(app, services)
    gap_answers.register(app, services)
    already_answered.register(app, services)
    reviews.register(app, services)
    return app
