"""moto's server on 127.0.0.1 (an ephemeral port), and clients that reach it."""

from __future__ import annotations

import functools
import json
import logging
import threading
import urllib.request
from typing import Any

import boto3

#: moto's default account and the emulator's region.
ACCOUNT = "123456789012"
REGION = "us-east-1"
#: Credentials moto accepts; never a real account's.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


def threaded_moto_server() -> Any:
    """moto's ``ThreadedMotoServer`` on 127.0.0.1 at a free port, quiet, that stops in 50 ms instead of 500."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server

    class Server(ThreadedMotoServer):
        def _server_entry(self) -> None:  # moto's own, with a shorter poll for shutdown
            app = DomainDispatcherApplication(create_backend_app)
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever(poll_interval=0.05)

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    return Server(ip_address="127.0.0.1", port=0, verbose=False)


class MotoServer:
    """``ThreadedMotoServer`` on 127.0.0.1, Batch and Lambda without Docker. Use as a context manager: it stops on exit.

    It resets moto's in-process backends when it starts and stops: one at a time, and not while a ``mock_aws`` is active.
    """

    def __init__(self) -> None:
        self._server = threaded_moto_server()
        self.endpoint_url = ""

    def __enter__(self) -> MotoServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        from moto.core.config import default_user_config

        self._config = {service: dict(default_user_config[service]) for service in ("batch", "lambda")}
        try:
            self._moto_api("reset", None)
            self._moto_api("config", {"batch": {"use_docker": False}, "lambda": {"use_docker": False}})
        except BaseException:
            self.stop()
            raise
        self.session = _session()

    def stop(self) -> None:
        if self.endpoint_url:
            try:
                self._moto_api("reset", None)
                self._moto_api("config", self._config)  # as it was
            finally:
                self._server.stop()
                self.endpoint_url = ""

    def client(self, service: str) -> Any:
        with _making_clients:
            return self.session.client(service, endpoint_url=self.endpoint_url)

    def environment(self) -> dict[str, str]:
        """What a process needs to reach this server instead of AWS (batchctl, the functions)."""
        return {**CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint_url, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}

    def _moto_api(self, path: str, body: dict[str, Any] | None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/{path}", data=data, method="POST")  # noqa: S310 (loopback)
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            response.read()


@functools.cache
def _session() -> boto3.Session:
    """One session for every server: it loads each service's model once (a new session reads them again)."""
    return boto3.Session(
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=CREDENTIALS["AWS_SESSION_TOKEN"],
        region_name=REGION,
    )


_making_clients = threading.RLock()


class ClientsAt:
    """A client per service, made once, for one server (a session's clients are thread-safe to use, not to make)."""

    def __init__(self, server: MotoServer) -> None:
        self._server = server
        self._clients: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._clients:
            with _making_clients:
                if service not in self._clients:
                    self._clients[service] = self._server.client(service)
        return self._clients[service]
