"""The ``batchctl`` command line: arguments, exit codes, and errors as one line.

This module imports only the standard library, so ``batchctl --help`` answers
at once; the commands (and boto3, rich) load after the arguments are parsed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from batchctl import __version__
from batchctl.errors import EXIT_INTERRUPTED, EXIT_OK, from_exception

# Kept in step with batchctl.listing, which this module must not import (it is not needed for --help).
STATUSES = ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED")
SORT_KEYS = ("stopped", "created", "started", "duration")
DEFAULT_LIMIT = 50
DEFAULT_POLL_SECONDS = 10.0

DESCRIPTION = """\
Operate the app's AWS Batch jobs: list them by completion time, show one,
read its log, count what waits in each queue, and run a configured job now.

Names (queues, configured jobs) come from the deployed stack's outputs
(--stack NAME, or BATCHCTL_STACK) or from the app's config file (--config FILE,
or BATCHCTL_CONFIG). Region and credentials follow the usual AWS environment.

exit codes: 0 ok, 1 the job did not succeed (run --wait), 2 usage error
(also an unknown job id, queue or configured job), 3 AWS error (credentials,
access denied, throttled after retries, an answer that is not an AWS API one, such as a
proxy's web page), 130 interrupted."""


def _status(text: str) -> str:
    status = text.upper()
    if status not in STATUSES:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(STATUSES)}, got {text!r}")
    return status


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {text!r}")
    return value


def _attempt(text: str) -> int:
    value = _positive_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("attempts are numbered from 1")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected more than 0 seconds, got {text!r}")
    return value


def _parameter(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    return key.strip(), value


def _add_common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Options every command takes, before or after the command name.

    On subcommands they default to SUPPRESS so that a value given before the
    command is not overwritten by the subcommand's default.
    """
    default = None if top else argparse.SUPPRESS
    group = parser.add_argument_group("where and what")
    group.add_argument("--profile", default=default, help="AWS profile (default: AWS_PROFILE, else the default chain)")
    group.add_argument("--region", default=default, help="AWS region (default: AWS_REGION or the profile's region)")
    group.add_argument("--stack", default=default, metavar="NAME", help="read names from this stack's outputs")
    group.add_argument("--config", default=default, metavar="FILE", help="read names from this config file")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="batchctl",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"batchctl {__version__}")
    _add_common(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    jobs = commands.add_parser(
        "jobs",
        help="recent jobs, newest completion first",
        description="Recent jobs of the app's queues (ListJobs only), newest completion first. "
        "Jobs not finished yet come first. Times are shown in the local time zone. "
        "On a terminal the table keeps the columns its width has room for, by priority: JOB ID (never cut), "
        "STATUS, NAME, STOPPED, EXIT, REASON, then QUEUE, DURATION, STARTED, CREATED; a line on stderr names "
        "those left out. Piped, every column is printed.",
    )
    jobs.add_argument("--queue", action="append", metavar="NAME", help="a job queue name or ARN (repeatable; default: the app's)")
    jobs.add_argument("--status", action="append", type=_status, metavar="STATUS", help="only this status (repeatable)")
    jobs.add_argument("--name", metavar="PREFIX", help="only jobs whose name starts with PREFIX (case-insensitive)")
    jobs.add_argument("--since", metavar="WHEN", help="only jobs active since 30m, 6h, 2d, 1w ago, or an ISO time")
    jobs.add_argument("--sort", choices=SORT_KEYS, default="stopped", help="newest (or longest) first by this; default: stopped")
    jobs.add_argument(
        "--limit", type=_positive_int, default=DEFAULT_LIMIT, help=f"at most this many rows (default {DEFAULT_LIMIT}; 0: all)"
    )
    jobs.add_argument("--output", "-o", choices=("table", "json", "csv"), default="table")
    jobs.add_argument(
        "--wide",
        action="store_true",
        help="on a terminal, print every column however wide the table gets (the terminal wraps the long lines)",
    )
    _add_common(jobs, top=False)

    show = commands.add_parser("show", help="one job: attempts, parameters, links", description="One job in full (DescribeJobs).")
    show.add_argument("job_id", metavar="JOB_ID")
    show.add_argument("--output", "-o", choices=("table", "json"), default="table")
    _add_common(show, top=False)

    logs = commands.add_parser("logs", help="a job's log lines", description="A job's log lines from its own log group.")
    logs.add_argument("job_id", metavar="JOB_ID")
    logs.add_argument("--tail", type=_positive_int, metavar="N", help="only the last N lines")
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing new lines until the job ends")
    logs.add_argument("--attempt", type=_attempt, metavar="K", help="attempt K (from 1; default: the latest)")
    logs.add_argument("--log-group", metavar="NAME", help="read this log group (default: the job's awslogs group)")
    logs.add_argument("--interval", type=_seconds, default=2.0, metavar="SECONDS", help="--follow polls this often (default 2)")
    _add_common(logs, top=False)

    status = commands.add_parser(
        "status",
        help="jobs waiting and running per queue",
        description="For each queue, how many jobs are in each active status, and how long the oldest RUNNABLE job has waited.",
    )
    status.add_argument(
        "--queue", action="append", metavar="NAME", help="a job queue name or ARN (repeatable; default: the app's)"
    )
    status.add_argument("--output", "-o", choices=("table", "json", "csv"), default="table")
    _add_common(status, top=False)

    run = commands.add_parser(
        "run",
        help="submit a configured job now",
        description="Submit a job of the config now with its configured parameters, "
        "honouring its concurrency policy the way the scheduled submit does.",
    )
    run.add_argument("job", metavar="JOB", help="the job's key in the config ([jobs.<key>]) or its job name")
    run.add_argument(
        "--param", action="append", type=_parameter, default=[], metavar="KEY=VALUE", help="override a parameter (repeatable)"
    )
    run.add_argument("--wait", action="store_true", help="follow the job to its end; exit 0 only if it SUCCEEDED")
    run.add_argument(
        "--interval", type=_seconds, default=DEFAULT_POLL_SECONDS, metavar="SECONDS", help="--wait polls this often (default 10)"
    )
    run.add_argument("--output", "-o", choices=("table", "json"), default="table")
    _add_common(run, top=False)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    aws: Any = None,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], Any] | None = None,
    tz: Any = None,
    tty: bool | None = None,
    width: int | None = None,
) -> int:
    """Run one batchctl command; return its exit code.

    The keyword arguments replace the real world in tests: the output streams,
    the :class:`~batchctl.aws.Aws` clients, the sleeper and clock used by
    ``--wait``/``--follow``, the time zone, and whether stdout is a terminal.
    """
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a usage error argparse already printed
        return int(stop.code or 0)

    from batchctl.commands import Context, run_command

    context = Context(args=args, out=out, err=err, aws_override=aws, sleep=sleep, clock=clock, tz=tz, tty=tty, width=width)
    try:
        return run_command(context)
    except KeyboardInterrupt:
        err.write("batchctl: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (batchctl jobs | head): stop quietly, as other tools do.
        _silence_stdout()
        return EXIT_OK
    except Exception as error:
        known = from_exception(error)
        if known is None:
            raise
        err.write(f"batchctl: {known}\n")
        return known.exit_code


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
