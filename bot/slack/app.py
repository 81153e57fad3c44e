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
from bot.slack import admin, feedback, questions
from bot.slack.delivery import deduplicate


def create_app(services: Services) -> App:
    """The Bolt app, talking to SLACK_API_URL, acknowledging first and working after.

    Bolt acknowledges every request before its listener runs (process_before_response is
    off), then runs the listener on its executor. Bolt's default executor runs 5 listeners at
    a time; ours is sized by SLACK_LISTENER_THREADS, because an answer takes a while and
    several people ask at once.
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
    app.use(deduplicate(services))
    questions.register(app, services)
    feedback.register(app, services)
    admin.register(app, services)
    return app
