"""The commands behind ``batchctl jobs|show|logs|status|run``.

Each takes a :class:`Context` (the parsed arguments, the output streams, the
AWS clients, and the clock and sleeper that tests replace) and returns an exit
code. Errors the user can act on are raised as
:class:`~batchctl.errors.BatchctlError` or left as botocore errors, which
``batchctl.cli`` turns into one line.
"""

from __future__ import annotations

import argparse
import getpass
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from batch_stack_lambdas import common
from batchctl import details, jobs_table, listing, render, times
from batchctl.aws import Aws
from batchctl.errors import EXIT_JOB_FAILED, EXIT_OK, UsageError
from batchctl.names import ENV_CONFIG, ENV_STACK, NO_NAMES, AppNames, resolve


@dataclass
class Context:
    """One run of one command."""

    args: argparse.Namespace
    out: TextIO
    err: TextIO
    aws_override: Any = None
    sleep: Callable[[float], None] | None = None
    clock: Callable[[], datetime] | None = None
    tz: Any = None
    tty: bool | None = None
    width: int | None = None
    _names: AppNames | None = field(default=None, init=False)
    _aws: Any = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.sleep is None:
            self.sleep = time.sleep
        if self.clock is None:
            self.clock = lambda: datetime.now(UTC)
        if self.tty is None:
            self.tty = render.is_tty(self.out)

    @property
    def spinner_enabled(self) -> bool:
        """A spinner only when a person watches: stdout and stderr both terminals."""
        return bool(self.tty) and render.is_tty(self.err)

    def _config_path(self) -> str | None:
        return self.args.config or (None if self.args.stack else os.environ.get(ENV_CONFIG))

    @property
    def aws(self) -> Any:
        if self._aws is None:
            if self.aws_override is not None:
                self._aws = self.aws_override
            else:
                fallback = self.names.region if self._config_path() else None
                self._aws = Aws(profile=self.args.profile, region=self.args.region, fallback_region=fallback)
        return self._aws

    @property
    def names(self) -> AppNames:
        """The app's names, read on first use (a stack's outputs cost one call)."""
        if self._names is None:
            self._names = resolve(self.args.stack, self.args.config, lambda _fallback: self.aws)
        return self._names

    def names_if_given(self) -> AppNames | None:
        """The names when the user pointed at a stack or config, else None (no error)."""
        if self.args.stack or self.args.config or os.environ.get(ENV_STACK) or os.environ.get(ENV_CONFIG):
            return self.names
        return None

    def now(self) -> datetime:
        assert self.clock is not None
        return self.clock()

    def note(self, message: str) -> None:
        self.err.write(message + "\n")


def run_command(context: Context) -> int:
    handler = {"jobs": cmd_jobs, "show": cmd_show, "logs": cmd_logs, "status": cmd_status, "run": cmd_run}
    return handler[context.args.command](context)


# --------------------------------------------------------------------------- jobs


def _queues(context: Context) -> list[str]:
    return list(context.args.queue or context.names.queues)


def cmd_jobs(context: Context) -> int:
    args = context.args
    now = context.now()
    since = None
    if args.since:
        try:
            since = times.parse_since(args.since, now=now, tz=context.tz)
        except ValueError as error:
            raise UsageError(f"--since: {error}") from None
    queues = _queues(context)
    batch = context.aws.client("batch")
    label = f"Listing jobs of {len(queues)} queue{'s' if len(queues) != 1 else ''}..."
    with render.spinner(label, enabled=context.spinner_enabled, stream=context.err):
        listing.check_queues(batch, queues)
        result = listing.list_jobs(
            batch,
            queues,
            statuses=args.status or listing.STATUSES,
            name_prefix=args.name,
            since=since,
            now=now,
            sort=args.sort,
            limit=args.limit,
        )
    if args.output in ("json", "csv"):
        records = [row.to_json(now) for row in result.rows]
        if args.output == "json":
            render.as_json(records, context.out)
        else:
            render.as_csv(listing.JSON_FIELDS, records, context.out)
    elif not result.rows:
        # An empty table would be a header alone: say what was asked instead.
        context.note(
            jobs_table.no_match(
                queues, statuses=args.status, name_prefix=args.name, since_text=args.since, since=since, tz=context.tz
            )
        )
    else:
        _print_jobs_table(context, result, now)
    footer = jobs_table.footer(result, args.limit, tty=bool(context.tty) and args.output == "table")
    if footer:
        context.note(footer)
    return EXIT_OK


def _print_jobs_table(context: Context, result: listing.Listing, now: datetime) -> None:
    """On a terminal, the columns its width has room for (all with --wide), and a line naming the others."""
    table = jobs_table.build(result.rows, now, context.tz)
    if not context.tty:
        render.table(table.columns, table.rows, context.out, tty=False)
        return
    width = render.terminal_width(context.out, context.width)
    table = jobs_table.wide(table) if context.args.wide else jobs_table.fit(table, width)
    render.table(table.columns, table.rows, context.out, tty=True, width=context.width, widths=table.widths)
    notice = jobs_table.left_out_notice(table.left_out, width)
    if notice:
        context.note(notice)


# --------------------------------------------------------------------------- show

ATTEMPT_COLUMNS = (
    render.Column("#", justify="right"),
    render.Column("EXIT", justify="right"),
    render.Column("STARTED"),
    render.Column("STOPPED"),
    render.Column("DURATION", justify="right"),
    render.Column("HOST OR TASK"),
    render.Column("REASON", no_wrap=False),
)


def cmd_show(context: Context) -> int:
    batch = context.aws.client("batch")
    job = details.describe_job(batch, context.args.job_id)
    region = context.aws.region_name
    group = details.log_group(job, context.names_if_given() or NO_NAMES)
    tried = details.attempts(job)
    # The links the Slack notifications carry; the job id as Batch gives it (a node's "#" not encoded).
    links = {"console": common.console_url(region, job["jobId"], safe=":#"), "logGroup": group, "logStreams": {}}
    for attempt in tried:
        if attempt.log_stream:
            links["logStreams"][str(attempt.number)] = common.log_url(region, group, attempt.log_stream)
    if context.args.output == "json":
        render.as_json({**job, "links": links}, context.out)
        return EXIT_OK
    _show_text(context, job, tried, links)
    return EXIT_OK


def _show_text(context: Context, job: dict[str, Any], tried: list[details.Attempt], links: dict[str, Any]) -> None:
    out, tz, now = context.out, context.tz, context.now()
    row = listing.JobRow.from_summary(job, common.queue_name(job))
    status = row.status + (f": {row.status_reason}" if row.status_reason else "")
    out.write(f"{row.job_name}\n")
    summary = [
        ("job id", row.job_id),
        ("status", status),
        ("queue", row.job_queue),
        ("definition", common.definition_name(job)),
        ("created", times.human(row.created_at, tz)),
        ("started", times.human(row.started_at, tz)),
        ("stopped", times.human(row.stopped_at, tz)),
        ("duration", times.duration(row.duration_seconds(now))),
    ]
    exit_code = common.exit_code(job)  # a multi-container job's is its failed essential container's
    if exit_code is not None:
        name = common.container_name(job)
        summary.append(("exit code", f"{exit_code} (container {name})" if name else str(exit_code)))
    array = common.array_properties(job)
    if array.get("size"):
        counts = ", ".join(f"{n} {s}" for s, n in (array.get("statusSummary") or {}).items() if n)
        summary.append(("array", f"{array['size']} children" + (f" ({counts})" if counts else "")))
    if job.get("dependsOn"):
        summary.append(("depends on", ", ".join(d.get("jobId", "?") for d in job["dependsOn"])))
    render.pairs(summary, out)

    out.write("parameters\n")
    parameters = job.get("parameters") or {}
    if parameters:
        render.pairs(sorted(parameters.items()), out)
    else:
        out.write("  (none)\n")

    out.write("attempts\n")
    if tried:
        rows = [
            [
                str(a.number),
                "running" if a.running else ("-" if a.exit_code is None else str(a.exit_code)),
                times.human(a.started_at, tz),
                times.human(a.stopped_at, tz),
                times.duration(a.duration_seconds),
                a.host or "-",
                a.reason or "-",
            ]
            for a in tried
        ]
        indented = _Indented(out)
        render.table(ATTEMPT_COLUMNS, rows, indented, tty=bool(context.tty), width=context.width)
    else:
        out.write("  (none yet)\n")

    out.write("links\n")
    link_pairs = [("console", links["console"]), ("log group", links["logGroup"])]
    link_pairs += [(f"log, attempt {n}", url) for n, url in links["logStreams"].items()]
    render.pairs(link_pairs, out)


class _Indented:
    """A text stream that indents every line written to it by two spaces."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._at_line_start = True

    def write(self, text: str) -> int:
        for piece in text.splitlines(keepends=True):
            if self._at_line_start and piece.strip():
                self.out.write("  ")
            self.out.write(piece)
            self._at_line_start = piece.endswith("\n")
        return len(text)

    def flush(self) -> None:
        self.out.flush()

    def isatty(self) -> bool:
        return render.is_tty(self.out)


# --------------------------------------------------------------------------- logs


def cmd_logs(context: Context) -> int:
    from batchctl import logs

    args = context.args
    batch = context.aws.client("batch")
    job = details.describe_job(batch, args.job_id)
    group = args.log_group or details.log_group(job, context.names_if_given() or NO_NAMES)
    latest = args.attempt is None or args.attempt == len(details.attempts(job))
    stream = details.log_stream(job, args.attempt)
    follow = args.follow and latest

    def emit(event: logs.LogEvent) -> None:
        moment = common.from_millis(event.timestamp)
        context.out.write(f"{times.human(moment, context.tz)}  {event.message}\n")
        if follow:
            context.out.flush()

    if stream is None:
        if not follow:
            reason = f": {job['statusReason']}" if job.get("statusReason") else ""
            raise UsageError(f"job {job['jobId']} has no log stream ({job.get('status')}{reason}); --follow waits for one")
    else:
        reader = logs.StreamReader(context.aws.client("logs"), group, stream)
        try:
            events = reader.tail(args.tail) if args.tail is not None else reader.read_new()
            for event in events:
                emit(event)
        except Exception as error:
            if not logs.is_not_found(error):
                raise
            if not follow:
                raise UsageError(f"no log stream {stream!r} in log group {group!r} (another group? pass --log-group)") from None
    if not follow:
        return EXIT_OK

    def poll() -> tuple[str, str | None]:
        current = details.describe_job(batch, args.job_id)
        return current["status"], details.log_stream(current)

    status = logs.follow(
        poll,
        lambda name: logs.StreamReader(context.aws.client("logs"), group, name),
        reader if stream is not None else None,
        emit,
        context.note,
        context.sleep,
        args.interval,
    )
    context.note(f"job {args.job_id} {status}")
    return EXIT_OK


# --------------------------------------------------------------------------- status

STATUS_COUNTED = common.ACTIVE_STATUSES  # what count_jobs counts
STATUS_COLUMNS = (
    render.Column("QUEUE"),
    *(render.Column(s, justify="right") for s in STATUS_COUNTED),
    render.Column("OLDEST RUNNABLE", justify="right"),
)
STATUS_FIELDS = ("jobQueue", *STATUS_COUNTED, "oldestRunnableAgeSeconds")


def cmd_status(context: Context) -> int:
    from batch_stack_lambdas.queue_metrics.counting import count_jobs

    queues = _queues(context)
    batch = context.aws.client("batch")
    now = context.now()
    with render.spinner("Counting jobs...", enabled=context.spinner_enabled, stream=context.err):
        listing.check_queues(batch, queues)
        depths = [count_jobs(batch, queue, now=now) for queue in queues]
    records = [
        {
            "jobQueue": depth.job_queue,
            **{s: int(depth.counts.get(s, 0)) for s in STATUS_COUNTED},
            "oldestRunnableAgeSeconds": depth.oldest_runnable_age_seconds,
        }
        for depth in depths
    ]
    if context.args.output == "json":
        render.as_json(
            [
                {
                    "jobQueue": r["jobQueue"],
                    "counts": {s: r[s] for s in STATUS_COUNTED},
                    "oldestRunnableAgeSeconds": r["oldestRunnableAgeSeconds"],
                }
                for r in records
            ],
            context.out,
        )
    elif context.args.output == "csv":
        render.as_csv(STATUS_FIELDS, records, context.out)
    else:
        rows = [
            [r["jobQueue"], *(str(r[s]) for s in STATUS_COUNTED), times.duration(r["oldestRunnableAgeSeconds"])] for r in records
        ]
        render.table(STATUS_COLUMNS, rows, context.out, tty=bool(context.tty), width=context.width)
        names = context.names_if_given()
        if names is not None and names.dashboard_url:
            context.out.write(f"dashboard: {names.dashboard_url}\n")
    return EXIT_OK


# --------------------------------------------------------------------------- run


def cmd_run(context: Context) -> int:
    from batch_stack_lambdas.submit_job.policy import submit_with_policy

    args = context.args
    job = context.names.job(args.job)
    parameters = {**job.parameters, **dict(args.param)}
    batch = context.aws.client("batch")
    decision = submit_with_policy(
        batch,
        job_name=job.job_name,
        job_queue=job.job_queue,
        job_definition=job.job_definition,
        parameters=parameters,
        policy=job.concurrency_policy,
        reason_context=_run_context(),
    )
    record: dict[str, Any] = {
        "job": job.key,
        "action": decision.action,
        "jobId": decision.job_id,
        "previousJobIds": list(decision.previous_job_ids),
        "reason": decision.reason,
        "parameters": parameters,
    }
    if args.output != "json":
        _print_decision(context, job.job_name, job.job_queue, decision)
    if not args.wait:
        if args.output == "json":
            render.as_json(record, context.out)
        return EXIT_OK
    if decision.job_id is None:
        context.note("nothing was submitted, so there is nothing to wait for")
        if args.output == "json":
            render.as_json({**record, "finalStatus": None, "statusReason": None}, context.out)
        return EXIT_JOB_FAILED
    final = wait_for_job(context, batch, decision.job_id, args.interval)
    if args.output == "json":
        render.as_json({**record, "finalStatus": final["status"], "statusReason": final.get("statusReason")}, context.out)
    return EXIT_OK if final["status"] == "SUCCEEDED" else EXIT_JOB_FAILED


def _run_context() -> str:
    """Says who ran the job by hand, in the reasons Batch keeps (e.g. a replaced run's)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return "batchctl run"
    return f"batchctl run by {user}"


def _print_decision(context: Context, job_name: str, job_queue: str, decision: Any) -> None:
    out = context.out
    if decision.action == "Skipped":
        out.write(f"Skipped {job_name}: {decision.reason}\n")
        return
    out.write(f"{decision.action} {job_name} on {job_queue}: {decision.job_id}\n")
    if decision.previous_job_ids:
        out.write(f"  replaced {', '.join(decision.previous_job_ids)}\n")
    if decision.reason:
        out.write(f"  {decision.reason}\n")
    out.flush()


def wait_for_job(context: Context, batch: Any, job_id: str, interval: float) -> dict[str, Any]:
    """Poll DescribeJobs until the job ends; report each status change on stderr."""
    assert context.sleep is not None
    last_status = None
    while True:
        job = details.describe_job(batch, job_id)
        status = job["status"]
        if status != last_status:
            context.note(f"{times.human(context.now(), context.tz)}  {status}")
            last_status = status
        if status in listing.TERMINAL_STATUSES:
            break
        context.sleep(interval)
    row = listing.JobRow.from_summary(job, common.queue_name(job))
    took = times.duration(row.duration_seconds(context.now()))
    reason = f": {row.status_reason}" if row.status_reason else ""
    code = f" (exit code {row.exit_code})" if row.exit_code is not None else ""
    context.note(f"{row.job_name} {status} after {took}{reason}{code}; logs: batchctl logs {job_id}")
    return job
