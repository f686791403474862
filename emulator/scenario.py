"""The scenario ``make demo`` shows and the e2e tests check, through the deployed resources only.

1. The FORBID job's schedule fires; while its run is active (moto's Batch holds a submit for
   ``MOTO_SIMPLE_BATCH_FAIL_AFTER`` seconds), the gauge function counts the queues and the next
   scheduled time fires: it is skipped. The ALLOW job's schedule submits through its universal target.
2. The FORBID run fails: its log lines and its state-change event (the real shape) go where Batch
   puts them, EventBridge routes the event by the template's rules, and the mappings drain the
   queues: the notifier posts to the local Slack webhook, the outcome function counts. The ALLOW
   run succeeds: its event reaches the outcome function only.
3. ``batchctl jobs`` runs as a subprocess against the emulator, with ``--stack``.

:func:`check` then says what does not hold, each problem naming what broke.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import jobs
from .harness import Emulator
from .runtime import Invocation
from .schedules import Firing, iso_time, scheduled_times

#: The jobs of config/default.toml the scenario runs, by concurrency policy.
FORBID_JOB = "train_classifier"
ALLOW_JOB = "update_recommendation"
#: What the failed run writes and how it ends.
FAILED_LOG = (
    "loading 18,204 labelled examples",
    "epoch 1/3: loss 0.693",
    "epoch 2/3: loss 0.512",
    "Traceback (most recent call last):",
    '  File "/app/train.py", line 88, in <module>',
    "MemoryError: Unable to allocate 2.1 GiB for an array with shape (18204, 15000)",
)
EXIT_CODE = 137
#: How long moto's Batch holds a submit before the run fails (whole seconds: moto reads an int).
HOLD_SECONDS = 2
#: A failed job of another app's queue in the same account: the notifier must not hear of it.
FOREIGN_QUEUE = "arn:aws:batch:us-east-1:123456789012:job-queue/another-team"
FOREIGN_JOB_ID = "0f0e0d0c-0b0a-4909-8807-060504030201"
#: The scenario's schedules fire at their first scheduled times after this.
START = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
REASON = "Essential container in task exited"


class ScenarioFailed(AssertionError):
    """What the scenario found broken, one line per problem."""


@dataclass
class Outcome:
    times: list[datetime] = field(default_factory=list)
    held: bool = False
    overlap_lost: bool = False
    gauge: Firing | None = None
    first: Firing | None = None
    second: Firing | None = None
    allow: Firing | None = None
    gauges_while_active: dict[tuple[str, str], float] = field(default_factory=dict)
    jobs_while_active: dict[tuple[str, str], int] = field(default_factory=dict)
    failed_job: dict[str, Any] = field(default_factory=dict)
    succeeded_job: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    drained: dict[str, int] = field(default_factory=dict)
    notifier: list[Invocation] = field(default_factory=list)
    outcomes: list[Invocation] = field(default_factory=list)
    queue_depths: dict[str, int] = field(default_factory=dict)
    batchctl: subprocess.CompletedProcess[str] | None = None
    log: list[str] = field(default_factory=list)


def function_with_handler(emulator: Emulator, package: str) -> str:
    (logical_id,) = [k for k, f in emulator.deployment.functions.items() if f.handler.startswith(f"{package}.")]
    return logical_id


def schedule_of_function(emulator: Emulator, function_logical_id: str) -> str | None:
    """The schedule whose target is the function, if one is."""
    arn = emulator.deployment.functions[function_logical_id].arn
    for logical_id, properties in emulator.deployment.resources("AWS::Scheduler::Schedule").items():
        if properties["Target"]["Arn"] == arn:
            return logical_id
    return None


def firing_times(emulator: Emulator, schedule_logical_id: str, count: int) -> list[datetime]:
    """The schedule's first ``count`` times after :data:`START`, from its deployed expression and time zone."""
    schedule = emulator.clients("scheduler").get_schedule(Name=emulator.schedule_name(schedule_logical_id))
    return scheduled_times(schedule["ScheduleExpression"], schedule.get("ScheduleExpressionTimezone", "UTC"), START, count)


def schedule_of(emulator: Emulator, job_name: str) -> str:
    """The schedule that submits ``job_name``: its target is the job's submit function, or SubmitJob with the job's name."""
    for logical_id, properties in emulator.deployment.resources("AWS::Scheduler::Schedule").items():
        target = properties["Target"]
        if ":aws-sdk:batch:submitJob" in target["Arn"]:
            if json.loads(target.get("Input", "{}")).get("JobName") == job_name:
                return logical_id
        elif ":function:" in target["Arn"]:
            function = emulator.deployment.function_by_arn(target["Arn"])
            if function.environment.get("JOB_NAME") == job_name:
                return logical_id
    raise ScenarioFailed(f"no schedule of the stack submits {job_name}")


def run(
    emulator: Emulator,
    *,
    with_batchctl: bool = True,
    hold_seconds: int = HOLD_SECONDS,
    say: Callable[[str], None] = lambda line: None,
) -> Outcome:
    outcome = Outcome()
    emulator.put_webhook_url()
    say(f"put the webhook URL {emulator.slack.url} in the secret {emulator.deployment.outputs['NotifierWebhookSecretArn']}")
    forbid_schedule = schedule_of(emulator, FORBID_JOB)
    outcome.times = firing_times(emulator, forbid_schedule, 2)
    gauge = function_with_handler(emulator, "queue_metrics")

    os.environ["MOTO_SIMPLE_BATCH_FAIL_AFTER"] = str(hold_seconds)
    if not hold_seconds:  # no overlap: the run fails as it is submitted (the breakage tests need only the failure)
        try:
            outcome.first = emulator.fire(forbid_schedule, outcome.times[0])
        finally:
            os.environ.pop("MOTO_SIMPLE_BATCH_FAIL_AFTER", None)
        say(f"{FORBID_JOB}: its schedule fires for {outcome.times[0]:%Y-%m-%dT%H:%MZ} (FORBID): {_decision(outcome.first)}")
    else:
        _overlapping_firings(emulator, outcome, forbid_schedule, gauge, hold_seconds, say)
    allow_schedule = schedule_of(emulator, ALLOW_JOB)
    outcome.allow = emulator.fire(allow_schedule, firing_times(emulator, allow_schedule, 1)[0])
    say(f"{ALLOW_JOB}: its schedule submits through SubmitJob (ALLOW): {_submitted(outcome.allow)}")

    failed_id = (outcome.first.invocation.result or {}).get("job_id") if outcome.first and outcome.first.invocation else None
    if failed_id:
        jobs.end_as(failed_id, EXIT_CODE, REASON)
        outcome.failed_job = jobs.describe(emulator.clients, failed_id)
        jobs.write_log(emulator.clients, outcome.failed_job, FAILED_LOG)
        event = jobs.state_change_event(
            outcome.failed_job, jobs.definition_of(emulator.clients, outcome.failed_job), exit_code=EXIT_CODE
        )
        outcome.events.append(event)
        emulator.put_event(event)
        say(f"{FORBID_JOB}: run {failed_id} FAILED (exit {EXIT_CODE}); its event goes on the default bus")
        foreign = copy.deepcopy(event)
        foreign_arn = foreign["detail"]["jobArn"].replace(failed_id, FOREIGN_JOB_ID)
        foreign["detail"].update(jobId=FOREIGN_JOB_ID, jobQueue=FOREIGN_QUEUE, jobArn=foreign_arn)
        foreign["resources"] = [foreign_arn]
        outcome.events.append(foreign)
        emulator.put_event(foreign)
        say(f"another team's job on {FOREIGN_QUEUE.rsplit('/', 1)[-1]} FAILED too; its event goes on the same bus")
    allow_id = (outcome.allow.response or {}).get("jobId")
    if allow_id:
        jobs.end_as(allow_id, 0, REASON)
        outcome.succeeded_job = jobs.describe(emulator.clients, allow_id)
        event = jobs.state_change_event(
            outcome.succeeded_job, jobs.definition_of(emulator.clients, outcome.succeeded_job), exit_code=0
        )
        outcome.events.append(event)
        emulator.put_event(event)
        say(f"{ALLOW_JOB}: run {allow_id} {outcome.succeeded_job['status']}; its event goes on the default bus")

    outcome.drained = emulator.drain()
    notifier = emulator.deployment.functions[function_with_handler(emulator, "notify_slack")]
    outcome.notifier = list(notifier.invocations)
    outcome.outcomes = list(emulator.deployment.functions[function_with_handler(emulator, "job_metrics")].invocations)
    outcome.queue_depths = emulator.queue_depths()
    say(f"the event source mappings drained their queues: {outcome.drained}")
    if with_batchctl:
        outcome.batchctl = run_batchctl(emulator, ["jobs", "--stack", emulator.deployment.stack_name, "--limit", "0"])
    return outcome


def _overlapping_firings(
    emulator: Emulator, outcome: Outcome, schedule: str, gauge: str, hold_seconds: int, say: Callable[[str], None]
) -> None:
    """The first firing's run stays active ``hold_seconds``: meanwhile the gauge's schedule fires, then the second one."""
    batch = emulator.clients("batch")
    first_time, second_time = outcome.times
    try:
        first: dict[str, Firing] = {}
        thread = threading.Thread(target=lambda: first.update(firing=emulator.fire(schedule, first_time)), daemon=True)
        thread.start()
        say(f"{FORBID_JOB}: its schedule fires for {first_time:%Y-%m-%dT%H:%MZ} (FORBID)")
        active = _wait_for_active(batch, emulator, FORBID_JOB)
        outcome.held = True
        outcome.jobs_while_active = _count_jobs(emulator)
        gauge_schedule = schedule_of_function(emulator, gauge)
        if gauge_schedule:
            outcome.gauge = emulator.fire(gauge_schedule, firing_times(emulator, gauge_schedule, 1)[0])
            lines = outcome.gauge.invocation.lines if outcome.gauge.invocation else []
            outcome.gauges_while_active = emf_values(lines, "JobQueue")
        say(f"{FORBID_JOB}: run {active} is active; the gauge function's schedule fires: it counts the queues")
        outcome.second = emulator.fire(schedule, second_time)
        say(f"{FORBID_JOB}: its schedule fires again for {second_time:%Y-%m-%dT%H:%MZ}: {_decision(outcome.second)}")
        outcome.overlap_lost = active not in _active_runs(batch, emulator, FORBID_JOB)
        thread.join(timeout=hold_seconds + 100)
        outcome.first = first.get("firing")
    finally:
        os.environ.pop("MOTO_SIMPLE_BATCH_FAIL_AFTER", None)


def run_batchctl(emulator: Emulator, arguments: list[str], columns: int = 100) -> subprocess.CompletedProcess[str]:
    """``batchctl`` in a process of its own, reaching the emulator through ``AWS_ENDPOINT_URL`` (and nothing else)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "MOTO_")) and key != "COLUMNS"}
    environment.update(emulator.server.environment(), COLUMNS=str(columns), TZ="UTC")
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "batchctl", *arguments],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )


def emf_values(lines: list[str], dimension: str) -> dict[tuple[str, str], float]:
    """``(dimension value, metric) -> value`` from the EMF lines a function printed."""
    values: dict[tuple[str, str], float] = {}
    for line in lines:
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if not isinstance(document, dict) or "_aws" not in document:
            continue
        for directive in document["_aws"].get("CloudWatchMetrics", []):
            for metric in directive.get("Metrics", []):
                value = document.get(metric["Name"])
                value = value[-1] if isinstance(value, list) else value
                if dimension in document and value is not None:
                    values[(document[dimension], metric["Name"])] = float(value)
    return values


def _count_jobs(emulator: Emulator) -> dict[tuple[str, str], int]:
    """Jobs per queue and status as ListJobs gives them (the gauge function's source), for the active statuses."""
    from batch_stack_lambdas.common import ACTIVE_STATUSES, JOB_COUNT_METRICS

    counts = {}
    for queue in emulator.deployment.outputs["JobQueueNames"].split(","):
        for status in ACTIVE_STATUSES:
            listed = emulator.clients("batch").list_jobs(jobQueue=queue, jobStatus=status)["jobSummaryList"]
            counts[(queue, JOB_COUNT_METRICS[status])] = len(listed)
    return counts


def _active_runs(batch: Any, emulator: Emulator, job_name: str) -> list[str]:
    from batch_stack_lambdas.common import ACTIVE_STATUSES

    queue = emulator.deployment.functions[function_with_handler(emulator, "submit_job")].environment["JOB_QUEUE"]
    listed = batch.list_jobs(jobQueue=queue, filters=[{"name": "JOB_NAME", "values": [job_name]}])["jobSummaryList"]
    return [job["jobId"] for job in listed if job["status"] in ACTIVE_STATUSES]


def _wait_for_active(batch: Any, emulator: Emulator, job_name: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        active = _active_runs(batch, emulator, job_name)
        if active:
            return active[0]
        time.sleep(0.02)
    raise ScenarioFailed(f"{job_name}: the first firing submitted no run within {timeout:.0f} s")


def _decision(firing: Firing) -> str:
    result = firing.invocation.result if firing.invocation else None
    return (result or {}).get("reason") or firing.error or "no decision"


def _submitted(firing: Firing) -> str:
    return f"submitted {firing.response['jobId']}" if firing.response else f"failed: {firing.error}"


def records_of(invocations: list[Invocation]) -> list[dict[str, Any]]:
    """The events the function was given, each record's body parsed."""
    found = []
    for invocation in invocations:
        for record in (invocation.event or {}).get("Records", []):
            try:
                found.append(json.loads(record["body"]))
            except (KeyError, ValueError):
                continue
    return found


def problems(outcome: Outcome, emulator: Emulator) -> list[str]:
    """What does not hold, each naming what broke; empty when the scenario worked."""
    found: list[str] = []
    failed = outcome.failed_job
    if not failed:
        found.append(f"{FORBID_JOB}: the first firing submitted no run ({outcome.first and outcome.first.error})")
    messages = [received.body for received in emulator.slack.received]
    if failed and not messages:
        found.append(
            f"Slack received no message for the failed run {failed['jobId']} of {FORBID_JOB}: "
            + _why_not_notified(outcome, emulator)
        )
    for body in messages:
        text = json.dumps(body)
        expected = {
            "the job's name": failed.get("jobName", FORBID_JOB),
            "its id": failed.get("jobId", "?"),
            "its exit code": f"exit code {EXIT_CODE}",
            "its reason": REASON,
            "its log tail": json.dumps(FAILED_LOG[-1])[1:-1],
        }
        missing = [what for what, value in expected.items() if value not in text]
        if missing:
            found.append(f"the Slack message lacks {', '.join(missing)}: {text[:300]}")
    if len(messages) > 1:
        found.append(f"Slack received {len(messages)} messages for one failed run")
    notified = records_of(outcome.notifier)
    for event in notified:
        detail = event.get("detail", {})
        if detail.get("status") == "SUCCEEDED":
            found.append(f"the SUCCEEDED event of {detail.get('jobName')} reached the notifier")
        if detail.get("jobQueue") == FOREIGN_QUEUE:
            found.append(f"the event of another app's queue ({FOREIGN_QUEUE}) reached the notifier")
    counted = {event.get("detail", {}).get("jobId") for event in records_of(outcome.outcomes)}
    succeeded = outcome.succeeded_job.get("jobId")
    if not succeeded:
        found.append(f"{ALLOW_JOB}: its schedule submitted no run ({outcome.allow and outcome.allow.error})")
    elif succeeded not in counted:
        found.append(f"the SUCCEEDED event of {ALLOW_JOB} ({succeeded}) did not reach the outcome function")
    elif outcome.succeeded_job.get("parameters", {}).get("scheduled_time") != iso_time(outcome.allow.scheduled_time):
        found.append(f"{ALLOW_JOB}: the run's scheduled_time is not the firing's: {outcome.succeeded_job.get('parameters')}")
    if not emulator.dead_letter_queues():
        found.append("the stack has no dead-letter queue: nothing would keep what the functions could not deliver")
    for logical_id in emulator.dead_letter_queues():
        if outcome.queue_depths.get(logical_id):
            found.append(f"dead-letter queue {logical_id} holds {outcome.queue_depths[logical_id]} message(s)")
    if outcome.held:
        found.extend(_overlap_problems(outcome, emulator))
    found.extend(_batchctl_problems(outcome))
    return found


def _overlap_problems(outcome: Outcome, emulator: Emulator) -> list[str]:
    """The FORBID job's second firing and the gauges, while the first run was active."""
    found: list[str] = []
    failed = outcome.failed_job
    if outcome.overlap_lost:
        found.append(f"{FORBID_JOB}: the first run ended before the second firing was decided (the hold was too short here)")
    decision = (outcome.second.invocation.result or {}) if outcome.second and outcome.second.invocation else {}
    if decision.get("action") != "Skipped":
        found.append(
            f"{FORBID_JOB}: the second firing, while a run was active, was not skipped: "
            + (_decision(outcome.second) if outcome.second else "it did not fire")
        )
    runs = _runs_of(emulator, FORBID_JOB)
    if failed and runs != [failed["jobId"]]:
        found.append(f"{FORBID_JOB}: {len(runs)} runs were submitted for two firings, one while the other was active: {runs}")
    if outcome.gauge is None:
        found.append("no schedule of the stack runs the gauge function")
    elif outcome.gauge.error:
        found.append(f"the gauge function's schedule fired and it failed: {outcome.gauge.error}")
    if not any(outcome.jobs_while_active.values()):
        found.append("no job was active when the gauge function counted the queues")
    for key, count in outcome.jobs_while_active.items():
        if outcome.gauges_while_active.get(key) != count:
            found.append(f"gauge {key[1]} of {key[0]} is {outcome.gauges_while_active.get(key)}, ListJobs counted {count}")
    return found


def check(outcome: Outcome, emulator: Emulator) -> None:
    """Raise :class:`ScenarioFailed` listing what does not hold."""
    found = problems(outcome, emulator)
    if found:
        raise ScenarioFailed("the scenario failed:\n- " + "\n- ".join(found))


def _why_not_notified(outcome: Outcome, emulator: Emulator) -> str:
    from moto.events.models import EventPattern

    notifier = emulator.deployment.functions[function_with_handler(emulator, "notify_slack")]
    queues = {
        mapping.queue_arn for mapping in emulator.mappings if emulator.deployment.function_by_arn(mapping.function) is notifier
    }
    event = next(e for e in outcome.events if e["detail"].get("jobId") == outcome.failed_job.get("jobId"))
    reasons = []
    for logical_id in emulator.deployment.resources("AWS::Events::Rule"):
        name = emulator.deployment.ref(logical_id)
        targets = emulator.clients("events").list_targets_by_rule(Rule=name)["Targets"]
        if not {target["Arn"] for target in targets} & queues:
            continue
        pattern = emulator.clients("events").describe_rule(Name=name)["EventPattern"]
        if not EventPattern.load(pattern).matches_event(event):
            reasons.append(
                f"rule {logical_id}'s pattern does not match its event (detail.jobQueue {event['detail']['jobQueue']}; "
                f"the pattern's queues for it: {_pattern_queues(json.loads(pattern), event['detail-type'])})"
            )
    errors = sorted({invocation.error for invocation in outcome.notifier if invocation.error})
    if errors:
        reasons.append(f"the notifier function failed {sum(1 for i in outcome.notifier if i.error)} time(s): {'; '.join(errors)}")
    if not reasons and not outcome.notifier:
        reasons.append("the notifier function was never invoked")
    return "; ".join(reasons) or "the notifier ran and posted nothing"


def _pattern_queues(pattern: Any, detail_type: str) -> list[str]:
    """The ``detail.jobQueue`` values of the pattern (of its ``$or`` branch for ``detail_type``, if it has one)."""
    branches = [b for b in pattern.get("$or", []) if detail_type in b.get("detail-type", [detail_type])] or [pattern]
    return sorted({str(queue) for branch in branches for queue in branch.get("detail", {}).get("jobQueue", [])})


def _runs_of(emulator: Emulator, job_name: str) -> list[str]:
    queue = emulator.deployment.functions[function_with_handler(emulator, "submit_job")].environment["JOB_QUEUE"]
    listed = emulator.clients("batch").list_jobs(jobQueue=queue, filters=[{"name": "JOB_NAME", "values": [job_name]}])
    return [job["jobId"] for job in listed["jobSummaryList"]]


def _batchctl_problems(outcome: Outcome) -> list[str]:
    result = outcome.batchctl
    if result is None:
        return []
    if result.returncode != 0:
        return [f"batchctl jobs exited {result.returncode}: {result.stderr.strip()[-300:]}"]
    ids = [outcome.succeeded_job.get("jobId"), outcome.failed_job.get("jobId")]
    rows = [line for line in result.stdout.splitlines() if any(job_id and job_id in line for job_id in ids)]
    listed = [job_id for line in rows for job_id in ids if job_id and job_id in line]
    if listed != [job_id for job_id in ids if job_id]:
        return [f"batchctl jobs did not list the runs newest completion first ({ids}): {result.stdout.strip()[:400]}"]
    failed_row = next(row for row in rows if outcome.failed_job.get("jobId", "?") in row)
    if f" {EXIT_CODE} " not in failed_row or REASON not in failed_row:
        return [f"batchctl jobs does not show the failed run's exit code {EXIT_CODE} and reason: {failed_row.strip()}"]
    return []
