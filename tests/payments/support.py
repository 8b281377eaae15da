# SPDX-License-Identifier: AGPL-3.0-or-later
"""A tiny loopback HTTP receiver for webhooks posted by the simulators."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.received.append(Received(body, {k: v for k, v in self.headers.items()}))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def configure_webhooks(sim_url: str, receiver_url: str, secret: str) -> None:
    response = httpx.post(
        f"{sim_url}/_sim/webhooks", json={"url": receiver_url, "secret": secret, "auto": False}
    )
    assert response.status_code == 200, response.text


def deliver(sim_url: str) -> list[dict[str, object]]:
    response = httpx.post(f"{sim_url}/_sim/webhooks/deliver", timeout=30)
    assert response.status_code == 200, response.text
    delivered: list[dict[str, object]] = response.json()["delivered"]
    return delivered
