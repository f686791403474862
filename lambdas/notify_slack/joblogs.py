"""The last lines of a job's CloudWatch log, for the jobs a message shows in detail.

A log tail is a courtesy; the Slack post is the point. Reads are bounded (the
client's :data:`LOGS_CLIENT_CONFIG`) and :class:`TailReader` stops starting new ones
when the invocation has less than :data:`TAIL_TIME_MARGIN_SECONDS` left.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .events import JobChange
from .message import LogTail

#: For the CloudWatch Logs client: one read takes at most 2 attempts x (2 s to connect
#: + 3 s to answer) + under 1 s of standard-mode backoff, about 11 s. (``total_max_attempts``
#: counts the first try; botocore's ``max_attempts`` would count retries only.)
LOGS_CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=3, retries={"total_max_attempts": 2, "mode": "standard"})
#: No new log read starts with less time than this left: the slowest read (about 11 s)
#: must still leave the Slack post its safety margin (3 s), pacing (1 s) and a few seconds.
TAIL_TIME_MARGIN_SECONDS = 20.0
#: What a message says in place of the lines it did not fetch.
SKIPPED_PROBLEM = "skipped, too little time left in this invocation"


class TailReader:
    """Reads job log tails while time allows; counts the ones it skipped."""

    def __init__(
        self,
        logs_client: Any,
        *,
        lines: int,
        seconds_left: Callable[[], float],
        margin: float = TAIL_TIME_MARGIN_SECONDS,
    ) -> None:
        self.logs_client = logs_client
        self.lines = lines
        self.seconds_left = seconds_left
        self.margin = margin
        self.skipped = 0

    def __call__(self, job: JobChange) -> LogTail | None:
        if self.lines <= 0 or not job.log_group or not job.log_stream:
            return None
        if self.seconds_left() < self.margin:
            self.skipped += 1
            return LogTail(problem=SKIPPED_PROBLEM)
        return read_tail(self.logs_client, job, lines=self.lines)


def read_tail(logs_client: Any, job: JobChange, *, lines: int) -> LogTail | None:
    """Up to ``lines`` last events of the job's log stream (``logs:GetLogEvents`` on its group).

    The log is a courtesy: when it cannot be read (no permission on that group, no
    stream yet, throttling), the message says why and is still posted.
    """
    if lines <= 0 or not job.log_group or not job.log_stream:
        return None
    try:
        response = logs_client.get_log_events(
            logGroupName=job.log_group, logStreamName=job.log_stream, limit=lines, startFromHead=False
        )
    except ClientError as error:
        return LogTail(problem=error.response.get("Error", {}).get("Code", "error"))
    except BotoCoreError as error:
        return LogTail(problem=type(error).__name__)
    events = response.get("events") or []
    return LogTail(lines=[str(event.get("message", "")) for event in events][-lines:])
