"""Posting to a Slack incoming webhook at Slack's pace.

Slack takes about one message a second per webhook and answers 429 with
``Retry-After`` beyond that. :class:`Pacer` spaces posts (it lives as long as
the Lambda container, so it also spaces the posts of successive invocations)
and :func:`post` waits out a 429 while the invocation has time left. The clock
and the sleeper are injectable, so tests never sleep for real.

The webhook URL is a credential: nothing here logs it or puts it in an error.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

#: Slack's documented pace for one incoming webhook.
POST_INTERVAL_SECONDS = 1.0
#: Longest wait for one HTTP answer.
REQUEST_TIMEOUT_SECONDS = 10.0
#: Time kept back at the end of an invocation to return the batch response.
SAFETY_MARGIN_SECONDS = 3.0
#: Added to Retry-After, so that the post after it does not arrive on the edge of Slack's window.
RETRY_MARGIN_SECONDS = 0.1
#: Used when a 429 carries no usable Retry-After.
DEFAULT_RETRY_AFTER_SECONDS = 1.0
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class WebhookUrlError(ValueError):
    """The secret does not hold a usable webhook URL (the message never shows the value)."""


@dataclass
class Pacer:
    """Keeps one container's posts ``interval`` seconds apart, and after any ``Retry-After``."""

    interval: float = POST_INTERVAL_SECONDS
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    next_post_at: float = float("-inf")

    def delay(self) -> float:
        """Seconds until the next post may go."""
        return max(0.0, self.next_post_at - self.clock())

    def wait(self) -> None:
        delay = self.delay()
        if delay > 0:
            self.sleep(delay)

    def posted(self, retry_after: float | None = None) -> None:
        """After a post: the next waits ``interval``, or ``Retry-After`` (plus a tenth of a second) after a 429.

        Waiting only as long as Retry-After matters when several containers share the
        webhook: the one told to wait takes the next free slot and falls out of step with
        the others, instead of colliding with them again at every interval.
        """
        wait = self.interval if retry_after is None else retry_after + RETRY_MARGIN_SECONDS
        self.next_post_at = self.clock() + wait


@dataclass(frozen=True)
class PostResult:
    """What became of one message: ``ok`` only on a 2xx answer."""

    ok: bool
    status: int | None
    answer: str
    requests: int

    @property
    def summary(self) -> str:
        status = f"HTTP {self.status}" if self.status is not None else "no HTTP answer"
        return f"{status}: {self.answer}" if self.answer else status


def check_webhook_url(url: str) -> None:
    """https:// anywhere; http:// only to this machine (the tests' loopback webhook)."""
    parts = urlsplit(url.strip())
    loopback_http = parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS
    if not parts.hostname or not (parts.scheme == "https" or loopback_http):
        raise WebhookUrlError(
            "the webhook secret does not hold an https:// Slack webhook URL "
            "(put one in with: aws secretsmanager put-secret-value --secret-id <id> --secret-string https://hooks.slack.com/...)"
        )


def post(
    url: str,
    payload: Mapping[str, Any],
    *,
    pacer: Pacer,
    seconds_left: Callable[[], float],
    request_timeout: float = REQUEST_TIMEOUT_SECONDS,
) -> PostResult:
    """Post one message; wait out 429s while ``seconds_left()`` allows, else give up.

    Only a 2xx answer is success. 429 without time to wait, 5xx, 4xx, timeouts and
    connection errors come back as a failed :class:`PostResult`, for the caller to
    hand back to SQS.
    """
    check_webhook_url(url)
    data = json.dumps(payload).encode("utf-8")
    requests = 0
    while True:
        room = seconds_left() - SAFETY_MARGIN_SECONDS - pacer.delay()
        if room <= 1.0:
            answer = "no time left in this invocation to wait for Slack"
            return PostResult(ok=False, status=429 if requests else None, answer=answer, requests=requests)
        pacer.wait()
        requests += 1
        status, answer, retry_after = _send(url, data, timeout=min(request_timeout, room))
        pacer.posted(retry_after if status == 429 else None)
        if status is not None and 200 <= status < 300:
            return PostResult(ok=True, status=status, answer=answer, requests=requests)
        if status != 429:
            return PostResult(ok=False, status=status, answer=answer, requests=requests)
        # 429: loop; the pacer now holds the next post back until Retry-After has passed.


def _send(url: str, data: bytes, *, timeout: float) -> tuple[int | None, str, float | None]:
    """One HTTP POST: (status or None, Slack's answer or the error, Retry-After seconds)."""
    # The scheme was checked in check_webhook_url: https, or http to loopback only.
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, _read(response), None
    except urllib.error.HTTPError as error:
        return error.code, _read(error), _retry_after(error.headers.get("Retry-After"))
    except urllib.error.URLError as error:
        return None, f"{type(error.reason).__name__}: {error.reason}", None
    except (TimeoutError, OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}", None


def _read(response: Any) -> str:
    try:
        return response.read(2000).decode("utf-8", errors="replace").strip()
    except (OSError, http.client.HTTPException):
        return ""


def _retry_after(value: str | None) -> float:
    """Seconds from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return DEFAULT_RETRY_AFTER_SECONDS
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS
