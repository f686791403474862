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
    """The container that speaks for a task: the first essential one that failed, else the first.

    A container is essential unless it says ``"essential": false`` (Batch's and ECS's
    default); it failed when it exited non-zero, or has a reason and no exit code
    (it never ran: the image could not be pulled, a secret could not be read).
    """
    failed = (c for c in containers if c.get("essential") is not False and _failed(c))
    return next(failed, containers[0] if containers else {})


def job_container(detail: Mapping[str, Any]) -> Mapping[str, Any]:
    """The job's own container: ``container``, else the chosen one of a multi-container job's ``ecsProperties``."""
    return container(detail) or choose_container(task_containers(as_mapping(detail.get("ecsProperties"))))


def attempt_container(detail: Mapping[str, Any], attempt: Mapping[str, Any]) -> Mapping[str, Any]:
    """The container one attempt of an ECS job is shown by; ``{}`` when it has none.

    A single-container attempt's ``container``; for a multi-container job, the chosen
    one of the attempt's containers, with what the job defines for it (whether it is
    essential, its image and log configuration) added by name.
    """
    single = container(attempt)
    if single:
        return single
    tried = task_containers(attempt)
    if not tried:
        return {}
    defined = {as_text(c.get("name")): c for c in task_containers(as_mapping(detail.get("ecsProperties")))}

    def with_definition(attempted: Mapping[str, Any]) -> Mapping[str, Any]:
        own = defined.get(as_text(attempted.get("name")), {})
        return {**{key: own[key] for key in _DEFINED_KEYS if key in own}, **attempted}

    return choose_container([with_definition(c) for c in tried])


def main_container(detail: Mapping[str, Any]) -> Mapping[str, Any]:
    """The container the job is shown by: its last attempt's, else the job's own (``{}`` for EKS and multi-node jobs)."""
    return attempt_container(detail, last_attempt(detail)) or job_container(detail)


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
    """An EKS job's (first) container: the last attempt's, else the one in its pod properties; ``{}`` for other jobs."""
    if not is_eks(detail):
        return {}
    pod = as_mapping(as_mapping(detail.get("eksProperties")).get("podProperties"))
    return as_mapping(_first(as_list(last_attempt(detail).get("containers"))) or _first(as_list(pod.get("containers"))))


def shown_container(detail: Mapping[str, Any]) -> Mapping[str, Any]:
    """The container a message shows: :func:`main_container`, else an EKS job's."""
    return main_container(detail) or eks_container(detail)


def container_name(detail: Mapping[str, Any]) -> str:
    """The shown container's name; ``""`` for a single-container ECS job, whose container has none."""
    return as_text(shown_container(detail).get("name"))


def exit_code(detail: Mapping[str, Any]) -> int | str | None:
    """The exit code of the shown container, else of the job's own; None when none has one."""
    code = _first_present(shown_container(detail).get("exitCode"), job_container(detail).get("exitCode"))
    return code if isinstance(code, (int, str)) and not isinstance(code, bool) else None


def container_reason(detail: Mapping[str, Any]) -> str:
    """Why the shown container stopped (``OutOfMemoryError: ...``); ``""`` when it does not say."""
    return as_text(shown_container(detail).get("reason")) or as_text(job_container(detail).get("reason"))


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
    """Whether the job ran on EKS: it has a non-empty ``eksProperties`` or ``eksAttempts``.

    Batch puts ``"eksAttempts": []`` on the events of EC2 and Fargate jobs too, so an
    empty list or object is never a signal, and a job with a ``container``,
    ``ecsProperties`` or ``nodeProperties`` is never EKS.
    """
    if container(detail) or as_mapping(detail.get("ecsProperties")) or as_mapping(detail.get("nodeProperties")):
        return False
    tried = as_list(detail.get("eksAttempts"))
    return bool(as_mapping(detail.get("eksProperties"))) or any(isinstance(a, Mapping) for a in tried)


def platform(detail: Mapping[str, Any]) -> str:
    """``EKS``, ``EC2 multi-node``, ``Fargate`` or ``EC2``."""
    if is_eks(detail):
        return "EKS"
    if detail.get("nodeProperties") is not None:
        return "EC2 multi-node"
    capabilities = [c for c in as_list(detail.get("platformCapabilities")) if isinstance(c, str)]
    return "Fargate" if "FARGATE" in capabilities else "EC2"


def log_configuration(detail: Mapping[str, Any]) -> Mapping[str, Any]:
    """The shown container's ``logConfiguration``, else the job's own container's, else (multi-node) its first node range's."""
    configuration = as_mapping(main_container(detail).get("logConfiguration")) or as_mapping(
        job_container(detail).get("logConfiguration")
    )
    node_ranges = as_list(as_mapping(detail.get("nodeProperties")).get("nodeRangeProperties"))
    if not configuration and node_ranges:
        configuration = as_mapping(container(as_mapping(node_ranges[0])).get("logConfiguration"))
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
    stream = as_text(main_container(detail).get("logStreamName")) or as_text(job_container(detail).get("logStreamName"))
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


def _first(values: Sequence[Any]) -> Any:
    return values[0] if values else None


def _first_present(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _failed(value: Mapping[str, Any]) -> bool:
    code = value.get("exitCode")
    if isinstance(code, int) and not isinstance(code, bool):
        return code != 0
    return code is None and bool(as_text(value.get("reason")))
