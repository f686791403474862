"""The last lines of a job's CloudWatch log, for the jobs a message shows in detail."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .events import JobChange
from .message import LogTail


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
