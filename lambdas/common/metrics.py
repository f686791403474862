"""The names of the metrics the functions publish, and of their dimensions.

The queue gauges come from ``queue_metrics`` every minute, the job outcomes from
``job_metrics``, the decision counts of ``submit_job`` carry the job dimension.
``batch_stack.monitoring`` reads these metrics (its ``metric_*`` methods, alarms and
dashboard) under the same names: ``batch_stack.monitor_metrics`` imports them from here.
"""

from __future__ import annotations

from .jobs import ACTIVE_STATUSES

#: The CloudWatch namespace when ``POWERTOOLS_METRICS_NAMESPACE`` names none.
DEFAULT_NAMESPACE = "BatchJobs"

QUEUE_DIMENSION = "JobQueue"
JOB_DIMENSION = "JobName"
MACKEREL_SERVICE_DIMENSION = "MackerelService"

#: One gauge per active status: "RunnableJobs" is the number of RUNNABLE jobs in the queue.
JOB_COUNT_METRICS = {status: f"{status.capitalize()}Jobs" for status in ACTIVE_STATUSES}
OLDEST_RUNNABLE_AGE_METRIC = "OldestRunnableAgeSeconds"
LIST_JOBS_CALLS_METRIC = "ListJobsCalls"
MACKEREL_POST_FAILURES_METRIC = "MackerelPostFailures"

#: Per job outcome (dimensions: queue and job name).
SUCCEEDED_METRIC = "Succeeded"
FAILED_METRIC = "Failed"
RUN_SECONDS_METRIC = "RunSeconds"
WAIT_SECONDS_METRIC = "WaitSeconds"
ATTEMPTS_METRIC = "Attempts"

#: What the submit function of a FORBID or REPLACE job counts, one metric per decision (dimension: job name).
DECISION_METRICS = ("Submitted", "Skipped", "Replaced")
