"""emulator.slack: a local Slack incoming webhook that keeps what it is posted and answers ``200 ok`` as Slack does."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from emulator.slack import SlackWebhook


def post(url: str, data: bytes, content_type: str):
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read()


def test_a_json_post_is_kept_and_answered_ok():
    # Slack's incoming webhook: POST a JSON payload, the answer is 200 with the body "ok".
    message = {"text": "job failed", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*x*"}}]}
    with SlackWebhook() as webhook:
        status, body = post(webhook.url, json.dumps(message).encode(), "application/json")
        assert (status, body) == (200, b"ok")
        assert len(webhook.received) == 1
        assert webhook.received[0].body == message
        assert webhook.received[0].path == urlsplit(webhook.url).path
        assert webhook.received[0].content_type == "application/json"


def test_a_body_that_is_not_json_is_kept_as_text():
    with SlackWebhook() as webhook:
        post(webhook.url, b"payload=not json", "application/x-www-form-urlencoded")
        post(webhook.url, b'{"text": "second"}', "application/json")
        assert [received.body for received in webhook.received] == ["payload=not json", {"text": "second"}]


def test_the_url_is_on_the_loopback_interface():
    with SlackWebhook() as webhook:
        assert urlsplit(webhook.url).hostname == "127.0.0.1"
        assert urlsplit(webhook.url).port


def test_after_the_block_the_port_refuses_connections():
    with SlackWebhook() as webhook:
        url = webhook.url
    with pytest.raises((ConnectionRefusedError, urllib.error.URLError)):
        post(url, b"{}", "application/json")
