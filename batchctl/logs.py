"""Read a job's log stream from CloudWatch Logs, from the start, its tail, or following it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from batchctl.listing import TERMINAL_STATUSES

GET_LOG_EVENTS_MAX = 10_000


@dataclass(frozen=True)
class LogEvent:
    timestamp: int  # epoch milliseconds
    message: str


class StreamReader:
    """Reads one stream forward, remembering where it stopped (GetLogEvents' forward token)."""

    def __init__(self, logs: Any, group: str, stream: str) -> None:
        self.logs = logs
        self.group = group
        self.stream = stream
        self.token: str | None = None
        self.api_calls = 0

    def tail(self, count: int) -> list[LogEvent]:
        """The last ``count`` events; later :meth:`read_new` calls continue after them."""
        response = self._get(startFromHead=False, limit=min(max(count, 1), GET_LOG_EVENTS_MAX))
        self.token = response.get("nextForwardToken")
        return _events(response)[-count:] if count else []

    def read_new(self, *, missing_ok: bool = False) -> Iterator[LogEvent]:
        """Every event after the last one read (from the start on the first call), page by page.

        :param missing_ok: Treat a stream that does not exist yet as empty (a job just started).
        """
        while True:
            request: dict[str, Any] = {"startFromHead": True}
            if self.token:
                request["nextToken"] = self.token
            try:
                response = self._get(**request)
            except Exception as error:
                if missing_ok and is_not_found(error):
                    return
                raise
            yield from _events(response)
            token = response.get("nextForwardToken")
            if not token or token == self.token:
                return
            self.token = token

    def _get(self, **request: Any) -> dict[str, Any]:
        self.api_calls += 1
        return self.logs.get_log_events(logGroupName=self.group, logStreamName=self.stream, **request)


def _events(response: dict[str, Any]) -> list[LogEvent]:
    return [LogEvent(e.get("timestamp", 0), e.get("message", "")) for e in response.get("events", [])]


def is_not_found(error: BaseException) -> bool:
    """True when ``error`` says the log group or stream does not exist (yet)."""
    response = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code") == "ResourceNotFoundException"


def follow(
    poll: Callable[[], tuple[str, str | None]],
    open_reader: Callable[[str], StreamReader],
    reader: StreamReader | None,
    emit: Callable[[LogEvent], None],
    notice: Callable[[str], None],
    sleep: Callable[[float], None],
    interval: float,
) -> str:
    """Emit new events until the job has ended; return its final status.

    ``poll()`` returns the job's status and its current log stream. A retried
    job starts a new stream: the old one is read to its end and the new one
    followed. CloudWatch Logs may receive a container's last lines a little
    after the job stops, so the stream is read once more one ``interval`` later.
    """
    while True:
        status, stream = poll()
        if stream and (reader is None or stream != reader.stream):
            if reader is not None:
                for event in reader.read_new(missing_ok=True):
                    emit(event)
            reader = open_reader(stream)
            notice(f"--- log stream {stream}")
        if reader is not None:
            for event in reader.read_new(missing_ok=True):
                emit(event)
        if status in TERMINAL_STATUSES:
            sleep(interval)
            if reader is not None:
                for event in reader.read_new(missing_ok=True):
                    emit(event)
            return status
        sleep(interval)
