"""A tiny fake Rasa server (real HTTP on 127.0.0.1) that can answer, stall, fail or talk nonsense."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


def parse_answer(intent: str, confidence: float, *others: tuple[str, float]) -> dict[str, Any]:
    """A `/model/parse` answer shaped like Rasa 3.6's."""
    ranking = [{"name": intent, "confidence": confidence}] + [{"name": n, "confidence": c} for n, c in others]
    return {"text": "", "intent": {"name": intent, "confidence": confidence}, "entities": [], "intent_ranking": ranking}


@dataclass
class FakeRasa:
    url: str = ""
    mode: str = "ok"
    """ok | slow | error | garbage | not_object | hang_up"""
    delay_s: float = 0.0
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    default: dict[str, Any] = field(default_factory=lambda: parse_answer("smalltalk", 0.9))
    texts: list[str] = field(default_factory=list)

    @property
    def parses(self) -> int:
        return len(self.texts)


def _handler(fake: FakeRasa) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/status" and fake.mode == "ok":
                self._send(200, json.dumps({"model_file": "coachbot-nlu.tar.gz"}).encode())
            else:
                self._send(500, b'{"error": "down"}')

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            text = str(body.get("text", ""))
            fake.texts.append(text)
            if fake.mode == "slow":
                time.sleep(fake.delay_s)
            if fake.mode == "error":
                self._send(500, b'{"error": "boom"}')
            elif fake.mode == "garbage":
                self._send(200, b"<html>not json{")
            elif fake.mode == "not_object":
                self._send(200, b"[1, 2, 3]")
            elif fake.mode == "hang_up":
                self.connection.shutdown(socket.SHUT_RDWR)
            else:
                answer = dict(fake.answers.get(text, fake.default))
                self._send(200, json.dumps({**answer, "text": text}).encode())

    return Handler


class QuietServer(ThreadingHTTPServer):
    """A hung-up connection (mode "hang_up") is the point of the test, not news for stderr."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    yield from serve_fake_rasa()


@pytest.fixture
def other_fake_rasa() -> Iterator[FakeRasa]:
    """A second worker, for a client with several (tests/safety/test_nlu_workers.py)."""
    yield from serve_fake_rasa()


def serve_fake_rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    server = QuietServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def dead_url() -> str:
    """A local address where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class FakeClock:
    """A monotonic clock the test moves by hand, so the breaker's cool-down is exact."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
