"""Reading one AWS Batch job's details, wherever they come from.

The ``detail`` of a ``Batch Job State Change`` event and an entry of DescribeJobs'
``jobs`` have the same shape (a JobDetail, botocore's ``batch`` model), and Batch
adds fields to it at any time:

- a single-container ECS job (EC2 or Fargate) has ``container``, and its attempts
  ``attempts[].container``; it also carries ``"eksAttempts": []``, which says nothing;
- a multi-container ECS job has no ``container``: its containers are under
  ``ecsProperties.taskProperties[].containers[]`` and an attempt's under
  ``attempts[].taskProperties[].containers[]``;
- an EKS job has ``eksProperties`` and ``eksAttempts`` (its ``attempts`` is empty);
- a multi-node job has ``nodeProperties``; a job that failed before it started has
  no ``startedAt``.

Each reader here takes the detail as a mapping and tolerates a missing or oddly
typed field; none raises. The notifier, the outcome metrics and ``batchctl show``
read job details through these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from .fields import as_list, as_mapping, as_text, from_millis

#: The statuses a job passes through before it ends, in lifecycle order.
ACTIVE_STATUSES = ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING")
#: The statuses a job ends in.
TERMINAL_STATUSES = ("SUCCEEDED", "FAILED")
#: The EventBridge detail-type of the events whose ``detail`` is a JobDetail.
JOB_STATE_CHANGE = "Batch Job State Change"
#: Where Batch writes a container's log when its job definition names no group.
DEFAULT_LOG_GROUP = "/aws/batch/job"


# --------------------------------------------------------------------------- names and ARNs


def name_from_arn(value: str) -> str:
    """``arn:aws:batch:<region>:<account>:job-queue/<name>`` -> ``<name>`` (likewise ``job-definition/<name>:<revision>``).

    Anything that is not an ARN, such as a name, is returned as it is.
    """
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def short_arn(arn: str | None) -> str | None:
    """``task/cluster/abc`` from ``arn:aws:ecs:region:account:task/cluster/abc``; None for none and Batch's ``TBD``."""
    if not arn or not arn.startswith("arn:"):
        return arn if arn and arn != "TBD" else None
    return arn.split(":", 5)[-1]


def queue_name(detail: Mapping[str, Any]) -> str:
    """The job queue's name (``jobQueue`` is its ARN)."""
    return name_from_arn(as_text(detail.get("jobQueue")))


def definition_name(detail: Mapping[str, Any]) -> str:
    """The job definition as ``<name>:<revision>`` (``jobDefinition`` is its ARN)."""
    return name_from_arn(as_text(detail.get("jobDefinition")))


# --------------------------------------------------------------------------- attempts and containers

#: What a multi-container attempt's container takes from the job's definition of it (the rest is the attempt's own).
_DEFINED_KEYS = ("essential", "image", "logConfiguration")
#: What a container in ``taskProperties`` takes from its task.
_TASK_KEYS = ("taskArn", "containerInstanceArn")


def container(value: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``container`` of a job or of one of its attempts (``{}`` for multi-container, EKS and multi-node jobs)."""
    return as_mapping(value.get("container"))


def task_containers(value: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every container under ``value``'s ``taskProperties``, with its task's ARNs.

    ``value`` is a multi-container job's ``ecsProperties`` or one of its attempts;
    ``[]`` for anything else.
    """
    found: list[Mapping[str, Any]] = []
    for task in as_list(value.get("taskProperties")):
        task = as_mapping(task)
        ids = {key: task[key] for key in _TASK_KEYS if task.get(key) is not None}
        found += [{**ids, **c} for c in as_list(task.get("containers")) if isinstance(c, Mapping)]
    return found


def choose_container(containers: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The container that speaks for a task; ``{}`` for none.

    In this order: an essential container that failed and says why (ECS puts the reason,
    ``OutOfMemoryError: ...`` or ``CannotPullContainerError: ...``, on the one that
    caused the stop); one that exited non-zero but not 137 or 143 (when one essential
    container stops, ECS stops the others with SIGTERM, then SIGKILL); any that failed;
    the first essential container; the first. A container is essential unless it says
    ``"essential": false`` (Batch's and ECS's default); it failed when it exited
    non-zero, or has a reason and no exit code (it never ran).
    """
    essential = [c for c in containers if c.get("essential") is not False]
    failed = [c for c in essential if _failed(c)]
    ranked = (
        [c for c in failed if as_text(c.get("reason"))],
        [c for c in failed if c.get("exitCode") not in (137, 143)],
        failed,
        essential,
        list(containers),
    )
    return next((group[0] for group in ranked if group), {})


def job_container(detail: Mapping[str, Any]) -> Mapping[str, Any]:
    """The job's own container: ``container``, else the chosen one of a multi-container job's ``ecsProperties``.

    While the job is STARTING or RUNNING this is the current attempt's; once it has
    ended, the last attempt's.
    """
    return container(detail) or choose_container(task_containers(as_mapping(detail.get("ecsProperties"))))


def attempt_container(detail: Mapping[str, Any], attempt: Mapping[str, Any]) -> Mapping[str, Any]:
    """The container one attempt of an ECS job is shown by; ``{}`` when it has none.

    A single-container attempt's ``container``; for a multi-container job, the chosen
    one of the attempt's containers, with what the job defines for it by name (whether
    it is essential, its image and log configuration).
    """
    single = container(attempt)
    if single:
        return single
    tried = task_containers(attempt)
    if not tried:
        return {}
    return choose_container([{**_definition_of(detail, c, _DEFINED_KEYS), **c} for c in tried])


def main_container(detail: Mapping[str, Any]) -> Mapping[str, Any]:
    """The container the job is shown by, all from one container; ``{}`` for EKS and multi-node jobs.

    While STARTING or RUNNING, the job's own (the current attempt is not in
    ``attempts`` yet). Otherwise the last attempt's, over the job's own record of that
    same container, which adds what the attempt lacks (the log configuration); before
    any attempt, the job's own.
    """
    own = job_container(detail)
    if as_text(detail.get("status")) in ("STARTING", "RUNNING") and own:
        return own
    tried = attempt_container(detail, last_attempt(detail))
    if not tried:
        return own
    return {**(container(detail) or _definition_of(detail, tried)), **tried}


def _definition_of(detail: Mapping[str, Any], named: Mapping[str, Any], keys: Sequence[str] | None = None) -> Mapping[str, Any]:
    """The job's own record (``ecsProperties``) of the container with ``named``'s name (``keys`` of it); ``{}`` if unnamed."""
    name = as_text(named.get("name"))
    own = next(
        (c for c in task_containers(as_mapping(detail.get("ecsProperties"))) if name and as_text(c.get("name")) == name), {}
    )
    return {key: own[key] for key in keys if key in own} if keys is not None else own


def ecs_attempts(detail: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The attempts of a job on EC2 or Fargate (``attempts``), the first first."""
    return [attempt for attempt in as_list(detail.get("attempts")) if isinstance(attempt, Mapping)]


def attempts(detail: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every attempt so far, the first first: ``attempts``, or an EKS job's ``eksAttempts`` (its ``attempts`` is empty)."""
    tried = as_list(detail.get("attempts")) or as_list(detail.get("eksAttempts"))
    return [attempt for attempt in tried if isinstance(attempt, Mapping)]


def last_attempt(detail: Mapping[str, Any]) -> Mapping[str, Any]:
    """The latest attempt; ``{}`` before the first."""
    tried = attempts(detail)
    return tried[-1] if tried else {}


def eks_container(detail: Mapping[str, Any]) -> Mapping[str, Any]:
    """An EKS job's container: of its last attempt's init containers and containers, the one that failed, else the first.

    Before an attempt, its pod's first container (a multi-node job's: its first node
    range's); ``{}`` for other jobs.
    """
    if not is_eks(detail):
        return {}
    attempt = last_attempt(detail)
    init = [c for c in as_list(attempt.get("initContainers")) if isinstance(c, Mapping)]
    containers = [c for c in as_list(attempt.get("containers")) if isinstance(c, Mapping)]
    failed = [c for c in init + containers if _failed(c)]
    if failed or containers or init:
        return (failed or containers or init)[0]
    properties = as_mapping(detail.get("eksProperties")) or as_mapping(
        as_mapping(_first(_node_ranges(detail))).get("eksProperties")
    )
    return as_mapping(_first(as_list(as_mapping(properties.get("podProperties")).get("containers"))))


def shown_container(detail: Mapping[str, Any]) -> Mapping[str, Any]:
    """The container a message shows: :func:`main_container`, else an EKS job's."""
    return main_container(detail) or eks_container(detail)


def container_name(detail: Mapping[str, Any]) -> str:
    """The shown container's name; ``""`` for a single-container ECS job, whose container has none."""
    return as_text(shown_container(detail).get("name"))


def exit_code(detail: Mapping[str, Any]) -> int | str | None:
    """The exit code of the shown container; None when it has none."""
    code = shown_container(detail).get("exitCode")
    return code if isinstance(code, (int, str)) and not isinstance(code, bool) else None


def container_reason(detail: Mapping[str, Any]) -> str:
    """Why the shown container stopped (``OutOfMemoryError: ...``); ``""`` when it does not say."""
    return as_text(shown_container(detail).get("reason"))


def status_reason(detail: Mapping[str, Any]) -> str:
    """Why the job is in its status: the job's reason, else its container's, else its last attempt's."""
    return as_text(detail.get("statusReason")) or container_reason(detail) or as_text(last_attempt(detail).get("statusReason"))


# --------------------------------------------------------------------------- times


def created_at(detail: Mapping[str, Any]) -> datetime | None:
    return from_millis(detail.get("createdAt"))


def started_at(detail: Mapping[str, Any]) -> datetime | None:
    """When the job (else its last attempt) started; None when it never did."""
    return from_millis(detail.get("startedAt")) or from_millis(last_attempt(detail).get("startedAt"))


def stopped_at(detail: Mapping[str, Any]) -> datetime | None:
    """When the job (else its last attempt) stopped; None while it has not."""
    return from_millis(detail.get("stoppedAt")) or from_millis(last_attempt(detail).get("stoppedAt"))


# --------------------------------------------------------------------------- where it ran and logged


def is_eks(detail: Mapping[str, Any]) -> bool:
    """Whether the job runs on EKS: a non-empty ``eksProperties`` or ``eksAttempts`` (a multi-node job: a node range's).

    Batch puts ``"eksAttempts": []`` on the events of EC2 and Fargate jobs too, so an
    empty list or object is never a signal, and a job with a ``container`` or
    ``ecsProperties`` is never EKS.
    """
    if container(detail) or as_mapping(detail.get("ecsProperties")):
        return False
    if as_mapping(detail.get("nodeProperties")):
        return any(as_mapping(as_mapping(node_range).get("eksProperties")) for node_range in _node_ranges(detail))
    tried = as_list(detail.get("eksAttempts"))
    return bool(as_mapping(detail.get("eksProperties"))) or any(as_mapping(attempt) for attempt in tried)


def platform(detail: Mapping[str, Any]) -> str:
    """``EKS``, ``EKS multi-node``, ``EC2 multi-node``, ``Fargate`` or ``EC2``."""
    nodes = " multi-node" if detail.get("nodeProperties") is not None else ""
    if is_eks(detail):
        return "EKS" + nodes
    if nodes:
        return "EC2" + nodes
    capabilities = [c for c in as_list(detail.get("platformCapabilities")) if isinstance(c, str)]
    return "Fargate" if "FARGATE" in capabilities else "EC2"


def log_configuration(detail: Mapping[str, Any]) -> Mapping[str, Any]:
    """The shown container's ``logConfiguration``, else (a multi-node job) its first node range's container's."""
    configuration = as_mapping(main_container(detail).get("logConfiguration"))
    node_range = as_mapping(_first(_node_ranges(detail)))
    if not configuration and node_range:
        chosen = container(node_range) or choose_container(task_containers(as_mapping(node_range.get("ecsProperties"))))
        configuration = as_mapping(chosen.get("logConfiguration"))
    return configuration


def awslogs_group(configuration: Mapping[str, Any]) -> str:
    """The log group a ``logConfiguration`` names in its awslogs options; ``""`` when it names none."""
    return as_text(as_mapping(configuration.get("options")).get("awslogs-group"))


def log_location(detail: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The CloudWatch log group and stream of the shown container (its last attempt's).

    (None, None) for an EKS job and for a log driver other than awslogs (Batch's
    default driver); the group is Batch's default when the configuration names
    none, the stream None before the container has one.
    """
    if is_eks(detail):
        return None, None
    stream = as_text(main_container(detail).get("logStreamName"))
    configuration = log_configuration(detail)
    if (as_text(configuration.get("logDriver")) or "awslogs") != "awslogs":
        return None, None
    return awslogs_group(configuration) or DEFAULT_LOG_GROUP, stream or None


# --------------------------------------------------------------------------- arrays and nodes


def array_properties(detail: Mapping[str, Any]) -> Mapping[str, Any]:
    """``arrayProperties``: ``size`` and ``statusSummary`` on an array's parent, ``index`` on one of its children."""
    return as_mapping(detail.get("arrayProperties"))


def is_array_child(detail: Mapping[str, Any]) -> bool:
    return "index" in array_properties(detail)


def is_child(detail: Mapping[str, Any]) -> bool:
    """One child of an array job or one node of a multi-node parallel job; its parent stands for the whole run."""
    if is_array_child(detail) or isinstance(detail.get("nodeDetails"), Mapping):
        return True
    job_id = as_text(detail.get("jobId"))
    return ":" in job_id or "#" in job_id  # <parent>:<index>, <parent>#<node>


def _node_ranges(detail: Mapping[str, Any]) -> Sequence[Any]:
    return as_list(as_mapping(detail.get("nodeProperties")).get("nodeRangeProperties"))


def _first(values: Sequence[Any]) -> Any:
    return values[0] if values else None


def _failed(value: Mapping[str, Any]) -> bool:
    code = value.get("exitCode")
    if isinstance(code, int) and not isinstance(code, bool):
        return code != 0
    return code is None and bool(as_text(value.get("reason")))
