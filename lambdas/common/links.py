"""Links into the AWS consoles: a job, a log stream, an alarm.

The notifier puts them in its Slack messages and ``batchctl show`` prints them, so
that both open the same pages.
"""

from __future__ import annotations

from urllib.parse import quote


def console_url(region: str, job_id: str, *, safe: str = ":") -> str:
    """The job in the AWS Batch console (its current URL form); the global console when the region is not known.

    :param safe: Characters of the job id left as they are; the others are percent-encoded.
        The notifier encodes the ``#`` of a multi-node job's node id; ``batchctl show`` passes
        ``":#"`` and prints the id as Batch gives it.
    """
    base = (
        f"https://{region}.console.aws.amazon.com/batch/home?region={region}"
        if region
        else "https://console.aws.amazon.com/batch/home"
    )
    return f"{base}#jobs/detail/{quote(job_id, safe=safe)}"


def log_url(region: str, group: str, stream: str) -> str:
    """A log stream in the CloudWatch console, whose fragment encodes names twice with '$' for '%'."""

    def encode(name: str) -> str:
        return quote(quote(name, safe=""), safe="").replace("%", "$")

    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#logsV2:log-groups/log-group/{encode(group)}/log-events/{encode(stream)}"
    )


def alarm_url(region: str, name: str) -> str:
    """A CloudWatch alarm in the console."""
    return f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#alarmsV2:alarm/{quote(name, safe='')}"
