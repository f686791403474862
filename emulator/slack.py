"""A Slack incoming webhook on 127.0.0.1 that keeps what it is sent and answers as Slack does (``200 ok``)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    content_type: str
    body: Any


class SlackWebhook:
    """Use as a context manager: ``url`` is the webhook to put in the secret; ``received`` what was posted, in order."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body: Any = json.loads(data)
                except ValueError:
                    body = data.decode(errors="replace")
                webhook.received.append(Received(self.path, self.headers.get("Content-Type", ""), body))
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="slack-webhook", daemon=True)
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}/services/T0EMULATOR/B0EMULATOR/emulator"

    def __enter__(self) -> SlackWebhook:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
