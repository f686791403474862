"""Post the queue gauges to Mackerel as service metrics, under the aws-batch plugin's graph names.

The plugin named its metrics ``aws.batch.jobs.<queue>.<STATUS>``; the same names
keep the graphs a team already has. The API is ``POST /api/v0/services/<service>/tsdb``
with the API key in the ``X-Api-Key`` header and a JSON list of
``{"name", "time", "value"}`` as the body.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote, urlsplit

from .counting import STATUSES, QueueDepth

DEFAULT_BASE_URL = "https://api.mackerelio.com"
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class MackerelError(RuntimeError):
    """Mackerel could not be reached or did not accept the metrics."""


def graph_values(depths: Iterable[QueueDepth], *, now: datetime) -> list[dict]:
    """The request body: one value per queue and status, at ``now`` (epoch seconds)."""
    epoch = int(now.timestamp())
    return [
        {"name": f"aws.batch.jobs.{depth.queue_name}.{status}", "time": epoch, "value": depth.counts[status]}
        for depth in depths
        for status in STATUSES
    ]


def service_metrics_url(base_url: str, service: str) -> str:
    """``<base>/api/v0/services/<service>/tsdb``; https only (http only to a loopback address, for tests)."""
    parts = urlsplit(base_url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS):
        raise ValueError(f"Mackerel base URL must start with https://, got {base_url!r}")
    return f"{base_url.rstrip('/')}/api/v0/services/{quote(service, safe='')}/tsdb"


def post_queue_depths(
    depths: Iterable[QueueDepth],
    *,
    service: str,
    api_key: str,
    now: datetime,
    base_url: str = DEFAULT_BASE_URL,
    timeout: float = 5.0,
) -> int:
    """Post the gauges of ``depths``; return how many values were sent.

    :raises MackerelError: on a network error or a non-2xx answer (its body, shortened, is in the message).
    """
    values = graph_values(depths, now=now)
    # The scheme is checked in service_metrics_url: https, or http to loopback only.
    request = urllib.request.Request(  # noqa: S310
        service_metrics_url(base_url, service),
        data=json.dumps(values).encode("utf-8"),
        method="POST",
        headers={"X-Api-Key": api_key, "Content-Type": "application/json", "User-Agent": "batch-jobs-cdk queue_metrics"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as error:
        detail = error.read()[:200].decode("utf-8", "replace")
        raise MackerelError(f"Mackerel answered HTTP {error.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as error:
        raise MackerelError(f"Mackerel could not be reached: {error}") from error
    return len(values)
