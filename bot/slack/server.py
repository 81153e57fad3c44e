"""Serving Slack: HTTP (several gunicorn workers, `/slack/events` and `/healthz`) or Socket Mode."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.services import Services, open_services
from bot.settings import Settings
from bot.slack.answer_pool import AnswerPool, answer_threads
from bot.slack.app import create_app

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]

# How long a thread may hold the GIL while another waits for it (Python's default: 5 ms). A
# worker's answer threads are CPU-bound; at 1 ms, a thread that has just received a request
# from Slack gets the GIL sooner. Measured with the burst of `bcft bench slack`, 2 answer
# threads on 2 cores, alternating runs: ack p95 44-48 ms at 1 ms against 58-61 ms at 5 ms, no
# loss of throughput (27 against 25 questions/s).
GIL_SWITCH_INTERVAL = 0.001


class SlackHttpApp:
    """A WSGI app: Slack's requests at /slack/events, readiness at /healthz.

    The index, model and Bolt app are built on a background thread when the worker starts;
    until they are ready /healthz answers 503 and Slack's requests get 503 (Slack retries).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.services: Services | None = None
        self.answers: AnswerPool | None = None
        self._handler: SlackRequestHandler | None = None
        self._failure: str | None = None
        self._resources = contextlib.ExitStack()
        self._started = threading.Event()
        threading.Thread(target=self._start, name="slack-startup", daemon=True).start()

    def _start(self) -> None:
        try:
            services = self._resources.enter_context(open_services(self.settings))
            services.warm_up()
            self.services = services
            self.answers = AnswerPool(answer_threads(self.settings.slack_answer_threads))
            self._resources.callback(self.answers.close)  # closed before the index it uses
            self._handler = SlackRequestHandler(create_app(services, self.answers))
            log.info("ready to answer Slack requests")
        except Exception as error:
            self._failure = f"{type(error).__name__}: {error}"
            log.exception("the Slack app could not start")
        finally:
            self._started.set()

    def wait_until_ready(self) -> None:
        """Block until started; raise if starting failed."""
        self._started.wait()
        if self._failure:
            raise RuntimeError(f"the Slack app could not start: {self._failure}")

    def close(self) -> None:
        """Release the index (and its lock); used when a worker stops, and by tests."""
        self._resources.close()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            if self._handler is not None:
                return _json(start_response, "200 OK", {"status": "ready"})
            status = "500 Internal Server Error" if self._failure else "503 Service Unavailable"
            return _json(start_response, status, {"status": self._failure or "starting"})
        if path == "/slack/events" and environ.get("REQUEST_METHOD") == "POST":
            if self._handler is None:
                return _json(start_response, "503 Service Unavailable", {"status": "starting"})
            return self._handler(environ, start_response)
        return _json(start_response, "404 Not Found", {"status": "not found"})


def _json(start_response: StartResponse, status: str, body: dict[str, str]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def serve_http(settings: Settings, host: str, port: int, workers: int) -> None:
    """Run gunicorn with `workers` processes, each with its own app (and index client)."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": f"{host}:{port}",
                "workers": workers,
                # Each worker's HTTP threads only verify, route and acknowledge (well under a
                # millisecond of CPU each); answering has threads of its own (AnswerPool).
                "worker_class": "gthread",
                "threads": 8,
                "timeout": 60,
                "graceful_timeout": 10,
                "loglevel": settings.log_level.lower(),
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> SlackHttpApp:
            # A worker accepts connections only once its app is ready, so with several
            # workers no request ever meets one that is still loading.
            sys.setswitchinterval(GIL_SWITCH_INTERVAL)
            app = SlackHttpApp(settings)
            app.wait_until_ready()
            return app

    Server().run()


def serve_socket_mode(settings: Settings) -> None:
    """Connect out to Slack over a WebSocket: no public URL needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    with open_services(settings) as services:
        services.warm_up()
        answers = AnswerPool(answer_threads(settings.slack_answer_threads))
        try:
            SocketModeHandler(create_app(services, answers), settings.slack_app_token).start()
        finally:
            answers.close()
