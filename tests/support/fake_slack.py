"""Slack without Slack, for tests and `bcft bench slack`: a fake Web API and signed requests.

A test fake, so it lives with the tests; the Slack bench imports it from a source checkout.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

BOT_USER = "UBOT0001"
_IDS = itertools.count(1)  # unique across senders: Slack never reuses event ids or timestamps


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    authorization: str


class FakeSlack:
    """A Slack Web API on 127.0.0.1: every call is recorded and answered as Slack would."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}
        self.usergroup_members: list[str] = []  # any user group's members, unless below
        self.usergroups: dict[str, list[str]] = {}  # members of particular user groups
        self._refusals: dict[str, int] = {}
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
                method = self.path.removeprefix("/api/").strip("/")
                fake._record(method, params, self.headers.get("Authorization", ""))
                if fake._refuse(method):
                    self._reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
                    return
                self._reply(200, fake._response(method, params))

            def do_GET(self) -> None:
                name = self.path.removeprefix("/files/")
                fake._record("file.download", {"name": name}, self.headers.get("Authorization", ""))
                if name not in fake.files:
                    self._reply(404, {"ok": False})
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(fake.files[name])))
                self.end_headers()
                self.wfile.write(fake.files[name])

            def _reply(
                self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base}/api/response.{name}"

    def file_url(self, name: str) -> str:
        return f"{self.base}/files/{name}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def rate_limit_next(self, method: str, times: int = 1) -> None:
        """Answer the next `times` calls to `method` as Slack does when rate limiting:
        HTTP 429 with Retry-After."""
        with self._lock:
            self._refusals[method] = times

    def _refuse(self, method: str) -> bool:
        with self._lock:
            if self._refusals.get(method, 0) > 0:
                self._refusals[method] -= 1
                return True
            return False

    def _record(self, method: str, params: dict[str, Any], authorization: str) -> None:
        with self._lock:
            self.calls.append(Call(method, params, time.monotonic(), authorization))

    def _response(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": "BBOT0001", "team_id": "T0001"}
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": f"{next(self._ts)}.000100"}
        if method == "usergroups.users.list":
            members = self.usergroups.get(params.get("usergroup", ""), self.usergroup_members)
            return {"ok": True, "users": members}
        if method == "conversations.replies":
            return {"ok": True, "messages": []}
        return {"ok": True}

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 60) -> list[Call]:
        """Block until `count` calls to `method` have arrived (the bot answers after acking)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.calls_to(method)
            if len(calls) >= count:
                return calls
            time.sleep(0.05)
        raise TimeoutError(f"{len(self.calls_to(method))} calls to {method}, wanted {count}")


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """Slack's request signature: v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}")."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Reply:
    status: int
    body: str
    seconds: float


def post_signed(
    url: str,
    secret: str,
    body: bytes,
    content_type: str,
    *,
    timestamp: int | None = None,
    signature: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """POST as Slack does: timestamp and signature headers over the exact body bytes."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature or sign(secret, body, timestamp),
            **(headers or {}),
        },
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Reply(response.status, response.read().decode(), time.perf_counter() - started)
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read().decode(), time.perf_counter() - started)


class SlackSender:
    """Builds Slack's payloads (events, commands, interactions) and posts them signed."""

    def __init__(self, url: str, secret: str) -> None:
        self.url = url
        self.secret = secret

    def event(self, event: dict[str, Any], *, event_id: str | None = None, **headers: str) -> Reply:
        body = {
            "type": "event_callback",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "event_id": event_id or f"Ev{next(_IDS):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"user_id": BOT_USER, "is_bot": True, "team_id": "T0001"}],
            "event": event,
        }
        return post_signed(
            self.url, self.secret, json.dumps(body).encode(), "application/json", headers=headers
        )

    def command(self, command: str, text: str, user: str, response_url: str) -> Reply:
        form = {
            "command": command,
            "text": text,
            "user_id": user,
            "channel_id": "C0000CHAN",
            "team_id": "T0001",
            "trigger_id": f"trigger-{next(_IDS)}",
            "response_url": response_url,
        }
        body = urllib.parse.urlencode(form).encode()
        return post_signed(self.url, self.secret, body, "application/x-www-form-urlencoded")

    def interaction(self, payload: dict[str, Any]) -> Reply:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return post_signed(self.url, self.secret, body, "application/x-www-form-urlencoded")

    def next_ts(self) -> str:
        return f"{int(time.time())}.{next(_IDS):06d}"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # socketserver's default backlog is 5: thirty requests at once on a busy machine would
    # overflow it and have connections reset, which a real server (gunicorn: 2048) never does.
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def serve_wsgi(app: Any) -> tuple[str, Any]:
    """Serve a WSGI app over real HTTP on 127.0.0.1 (threaded); returns (base url, server)."""
    server = make_server(
        "127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server
