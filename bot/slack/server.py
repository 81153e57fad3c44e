"""Serving Slack: HTTP (several gunicorn workers, `/slack/events`; `/healthz`, `/readyz` and
`/metrics` for whoever runs it) or Socket Mode."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.index import KnowledgeIndex
from bot.services import Services, open_services
from bot.settings import Settings
from bot.slack.answer_pool import AnswerPool, answer_threads
from bot.slack.app import create_app
from bot.slack.jobs import start_jobs
from bot.slack.metrics import SlackMetrics, use_multiprocess_dir, worker_exited

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]

# How long a thread may hold the GIL while another waits for it (Python's default: 5 ms). A
# worker's answer threads are CPU-bound; at 1 ms, a thread that has just received a request
# from Slack gets the GIL sooner. Measured with the burst of `bcft bench slack`, 2 answer
# threads on 2 cores, alternating runs: ack p95 44-48 ms at 1 ms against 58-61 ms at 5 ms, no
# loss of throughput (27 against 25 questions/s).
GIL_SWITCH_INTERVAL = 0.001


class SlackHttpApp:
    """A WSGI app: Slack's requests at /slack/events; /healthz (the process answers),
    /readyz (it can answer questions) and /metrics (Prometheus) for whoever runs it.

    The index, model and Bolt app are built on a background thread when the worker starts;
    until they are ready /readyz answers 503 and Slack's requests get 503 (Slack retries).
    `metrics_dir` is the directory every gunicorn worker counts in (see bot.slack.metrics);
    without it the metrics are this process's own.
    """

    def __init__(self, settings: Settings, metrics_dir: Path | None = None) -> None:
        self.settings = settings
        self.services: Services | None = None
        self.answers: AnswerPool | None = None
        self.metrics = SlackMetrics(self._index, metrics_dir)
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
            self.answers = AnswerPool(
                answer_threads(self.settings.slack_answer_threads), self.metrics
            )
            self._resources.callback(self.answers.close)  # closed before the index it uses
            bolt = create_app(services, self.answers, self.metrics)
            for job in start_jobs(services, bolt.client):
                self._resources.callback(job.close)
            self._handler = SlackRequestHandler(bolt)
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

    def unready_reason(self) -> str | None:
        """Why this worker cannot answer now (None: it can): still starting, failed to start,
        the index unreadable, or the store unreachable."""
        if self._failure:
            return "could not start"
        if self.services is None or self._handler is None:
            return "starting"
        checks = (
            ("index unavailable", self.services.index.count),
            ("store unreachable", self.services.store.ping),
        )
        for reason, check in checks:
            try:
                check()
            except Exception:
                log.warning("not ready: %s", reason, exc_info=True)
                return reason
        return None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD")
        if path == "/healthz":  # a worker whose start failed is dead: restart it
            if self._failure:
                return _json(start_response, "500 Internal Server Error", {"status": "failed"})
            return _json(start_response, "200 OK", {"status": "alive"})
        if path == "/readyz":
            reason = self.unready_reason()
            if reason:
                body = {"status": "not ready", "reason": reason}
                return _json(start_response, "503 Service Unavailable", body)
            return _json(start_response, "200 OK", {"status": "ready"})
        if path == "/metrics" and method == "GET":
            return _respond(start_response, "200 OK", *self.metrics.exposition())
        if path == "/slack/events" and method == "POST":
            if self._handler is None:
                return _json(start_response, "503 Service Unavailable", {"status": "starting"})
            received = time.monotonic()
            try:  # Bolt returns once the request is acknowledged; listeners run after
                return self._handler(environ, start_response)
            finally:
                self.metrics.observe_ack(time.monotonic() - received)
        return _json(start_response, "404 Not Found", {"status": "not found"})

    def _index(self) -> KnowledgeIndex | None:
        return self.services.index if self.services else None


def _json(start_response: StartResponse, status: str, body: dict[str, str]) -> list[bytes]:
    return _respond(start_response, status, "application/json", json.dumps(body).encode())


def _respond(
    start_response: StartResponse, status: str, content_type: str, data: bytes
) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]


def serve_http(settings: Settings, host: str, port: int, workers: int) -> None:
    """Run gunicorn with `workers` processes, each with its own app (and index client).

    Every worker counts in one directory (emptied here, before the first one starts), and a
    worker that exits hands back its share of the queue depth.
    """
    from gunicorn.app.base import BaseApplication
    from gunicorn.glogging import Logger

    use_multiprocess_dir(settings.metrics_dir)

    class ProcessLogger(Logger):  # type: ignore[misc]
        """gunicorn's own lines go through this process's logging: redacted, in LOG_FORMAT."""

        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            self.error_log.handlers.clear()
            self.error_log.propagate = True

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
                "logger_class": ProcessLogger,
                "child_exit": lambda _server, worker: worker_exited(worker.pid),
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> SlackHttpApp:
            # A worker accepts connections only once its app is ready, so with several
            # workers no request ever meets one that is still loading.
            sys.setswitchinterval(GIL_SWITCH_INTERVAL)
            app = SlackHttpApp(settings, settings.metrics_dir)
            app.wait_until_ready()
            return app

    Server().run()


def serve_socket_mode(settings: Settings) -> None:
    """Connect out to Slack over a WebSocket: no public URL needed (and no /metrics: the
    counts stay in the process)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    with open_services(settings) as services:
        services.warm_up()
        metrics = SlackMetrics(lambda: services.index)
        answers = AnswerPool(answer_threads(settings.slack_answer_threads), metrics)
        bolt = create_app(services, answers, metrics)
        jobs = start_jobs(services, bolt.client)
        try:
            SocketModeHandler(bolt, settings.slack_app_token).start()
        finally:
            for job in jobs:
                job.close()
            answers.close()
