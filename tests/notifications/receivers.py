"""Real local servers for the notification tests: a webhook receiver and an SMTP server on
127.0.0.1 that count what arrives (no mocks; the channels talk real HTTP and SMTP)."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Arrival:
    key: str
    body: dict[str, Any]
    headers: dict[str, str]
    signature_ok: bool


@dataclass
class WebhookReceiver:
    """Answers POSTs with `status` (200 by default) and records the ones it accepted (2xx).

    `block_after`: accept that many calls, then hold the next ones without answering until
    `release()` (so a test can kill the sender while a call is in flight; a held call is
    never counted as arrived).
    """

    secret: str = ""
    status: int = 200
    # Answer the first `fail_first` calls with 503 whatever `status` says (down, then up).
    fail_first: int = 0
    block_after: int | None = None
    arrivals: list[Arrival] = field(default_factory=list)
    attempts: int = 0
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _gate: threading.Event = field(default_factory=threading.Event)
    blocked: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def keys(self) -> list[str]:
        with self._lock:
            return [arrival.key for arrival in self.arrivals]

    def release(self) -> None:
        self._gate.set()

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                with receiver._lock:
                    receiver.attempts += 1
                    hold = (
                        receiver.block_after is not None
                        and len(receiver.arrivals) >= receiver.block_after
                        and not receiver._gate.is_set()
                    )
                if hold:
                    receiver.blocked.set()
                    receiver._gate.wait(timeout=60)
                    self.send_response(503)
                    self.end_headers()
                    return
                status = receiver.status
                with receiver._lock:
                    if receiver.attempts <= receiver.fail_first:
                        status = 503
                if 200 <= status < 300:
                    timestamp = self.headers.get("X-Labmate-Timestamp", "")
                    expected = hmac.new(
                        receiver.secret.encode(),
                        timestamp.encode() + b"." + raw,
                        hashlib.sha256,
                    ).hexdigest()
                    with receiver._lock:
                        receiver.arrivals.append(
                            Arrival(
                                key=self.headers.get("Idempotency-Key", ""),
                                body=json.loads(raw),
                                headers=dict(self.headers),
                                signature_ok=self.headers.get("X-Labmate-Signature")
                                == f"sha256={expected}",
                            )
                        )
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

        if not self.port:
            self.port = free_port()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._gate.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@dataclass
class SmtpReceiver:
    """aiosmtpd on 127.0.0.1; keeps the messages it accepted (answered 250).

    `block_after`: accept that many messages, then hold the next one (after its DATA, before
    answering) until `release()`, and refuse it with 451: a message a killed sender never saw
    accepted is not counted as arrived. Later messages are accepted again.
    """

    block_after: int | None = None
    port: int = 0
    messages: list[Any] = field(default_factory=list)
    _controller: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _gate: threading.Event = field(default_factory=threading.Event)
    blocked: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self._gate.set()

    def start(self) -> SmtpReceiver:
        import asyncio
        import email

        from aiosmtpd.controller import Controller

        receiver = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                with receiver._lock:
                    hold = (
                        receiver.block_after is not None
                        and len(receiver.messages) >= receiver.block_after
                        and not receiver.blocked.is_set()
                    )
                if hold:
                    receiver.blocked.set()
                    for _ in range(1200):
                        if receiver._gate.is_set():
                            break
                        await asyncio.sleep(0.05)
                    return "451 4.3.0 Try again later"
                message = email.message_from_bytes(envelope.content)
                with receiver._lock:
                    receiver.messages.append(message)
                return "250 OK"

        if not self.port:
            self.port = free_port()
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def keys(self) -> list[str]:
        with self._lock:
            return [str(m.get("X-Labmate-Delivery")) for m in self.messages]

    def stop(self) -> None:
        self._gate.set()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def wait_until(predicate: Any, *, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
