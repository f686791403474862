"""Decide whether a run may start, as a Kubernetes CronJob's concurrencyPolicy does, then submit it.

This module has no Lambda or Powertools dependency: the submit function and the
``batchctl run`` command both call :func:`submit_with_policy` with their own
Batch client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import common

#: The decisions, each counted as the metric of its name (``common.DECISION_METRICS``).
DECIDED_SUBMITTED, DECIDED_SKIPPED, DECIDED_REPLACED = common.DECISION_METRICS

POLICIES = ("ALLOW", "FORBID", "REPLACE")

#: ListJobs returns at most 100 jobs a page when it is given a filter.
PAGE_SIZE = 100
#: TerminateJob's reason is shown in the console and in the job's statusReason; keep it short.
MAX_REASON_LENGTH = 256


@dataclass(frozen=True)
class Decision:
    """What :func:`submit_with_policy` did.

    ``action`` is ``Submitted``, ``Skipped`` or ``Replaced``; ``job_id`` is the
    new run (None when skipped); ``previous_job_ids`` are the active runs found,
    newest first (always empty under ALLOW, which does not look).
    """

    action: str
    job_id: str | None
    previous_job_ids: tuple[str, ...]
    reason: str


def active_runs(batch_client: Any, *, job_name: str, job_queue: str) -> list[dict[str, Any]]:
    """Summaries of the runs of ``job_name`` on ``job_queue`` that have not finished, newest first.

    With a ``JOB_NAME`` filter ListJobs ignores ``jobStatus`` and returns every
    status, newest first, 100 a page, so this pages to the end and keeps the
    active ones itself.
    """
    runs: list[dict[str, Any]] = []
    request: dict[str, Any] = {
        "jobQueue": job_queue,
        "filters": [{"name": "JOB_NAME", "values": [job_name]}],
        "maxResults": PAGE_SIZE,
    }
    while True:
        page = batch_client.list_jobs(**request)
        runs.extend(
            job
            for job in page.get("jobSummaryList", [])
            # The JOB_NAME filter ignores case ('Nightly' matches 'nightly'): another job's runs must not count.
            if job.get("status") in common.ACTIVE_STATUSES and job.get("jobName") == job_name
        )
        token = page.get("nextToken")
        if not token:
            return runs
        request["nextToken"] = token


def submit_with_policy(
    batch_client: Any,
    *,
    job_name: str,
    job_queue: str,
    job_definition: str,
    parameters: Mapping[str, str],
    policy: str,
    reason_context: str | None = None,
) -> Decision:
    """Submit one run of a job unless ``policy`` says otherwise.

    - ``ALLOW``: submit, whatever else is running.
    - ``FORBID``: skip when a run of the same job name is still active on the queue.
    - ``REPLACE``: terminate every active run (the reason names the new run), then submit.

    ``reason_context`` (e.g. "scheduled for 2025-01-01T03:00:00Z") is added to
    the reasons so that a terminated run says which run replaced it. Errors from
    Batch propagate: the caller (Lambda, a CLI) must see them.
    """
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    context = f" ({reason_context})" if reason_context else ""
    previous: tuple[str, ...] = ()
    if policy != "ALLOW":
        previous = tuple(run["jobId"] for run in active_runs(batch_client, job_name=job_name, job_queue=job_queue))
    if policy == "FORBID" and previous:
        return Decision(
            action=DECIDED_SKIPPED,
            job_id=None,
            previous_job_ids=previous,
            reason=f"FORBID: {len(previous)} run(s) of {job_name} still active ({', '.join(previous)}); new run skipped{context}",
        )
    if policy == "REPLACE" and previous:
        terminate_reason = f"Replaced by a new run of {job_name}{context}"[:MAX_REASON_LENGTH]
        for job_id in previous:
            batch_client.terminate_job(jobId=job_id, reason=terminate_reason)
    job_id = batch_client.submit_job(
        jobName=job_name, jobQueue=job_queue, jobDefinition=job_definition, parameters=dict(parameters)
    )["jobId"]
    if policy == "REPLACE" and previous:
        return Decision(
            action=DECIDED_REPLACED,
            job_id=job_id,
            previous_job_ids=previous,
            reason=f"REPLACE: terminated {', '.join(previous)}, submitted {job_id}{context}",
        )
    return Decision(
        action=DECIDED_SUBMITTED,
        job_id=job_id,
        previous_job_ids=previous,
        reason=f"{policy}: no active run, submitted {job_id}{context}"
        if policy != "ALLOW"
        else f"ALLOW: submitted {job_id}{context}",
    )
