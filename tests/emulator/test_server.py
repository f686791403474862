"""moto's server: loopback only, an ephemeral port, moto's defaults back and nothing listening once stopped."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from emulator.server import MotoServer


def test_it_listens_on_loopback_at_a_free_port_and_stops_listening():
    with MotoServer() as server:
        parts = urlsplit(server.endpoint_url)
        assert parts.hostname == "127.0.0.1" and parts.port not in (None, 5000)
        assert server.client("sqs").list_queues().get("QueueUrls", []) == []
        assert server.environment()["AWS_ENDPOINT_URL"] == server.endpoint_url
        from moto.core.config import default_user_config

        assert default_user_config["batch"]["use_docker"] is False
    assert default_user_config["batch"]["use_docker"] is True
    with pytest.raises(ConnectionRefusedError), socket.create_connection((parts.hostname, parts.port), timeout=1):
        pass


def test_each_start_begins_empty():
    with MotoServer() as server:
        server.client("sqs").create_queue(QueueName="left-over")
    with MotoServer() as server:
        assert server.client("sqs").list_queues().get("QueueUrls", []) == []
