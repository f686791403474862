"""What a ScheduledBatchJob checks beyond its own props: its queue's compute environments, the stack's
other jobs, and plain environment variables that look like credentials.

Each function returns the problems it finds as the text after ``ScheduledBatchJob '<id>': ``
(empty when all is well), so that the construct fails with one line.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_batch as batch
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from batch_stack.cluster import BatchCluster
from batch_stack.rules import credential_value_problem, has_gpu_instances, plain_credential_problem
from batch_stack.tokens import is_unresolved


@dataclass(frozen=True)
class QueueCapacity:
    """What the compute environments behind a job queue of this app can run; ``None`` where it cannot be told."""

    #: True: Fargate environments only; False: EC2 (ECS) environments only.
    fargate: bool | None
    #: Whether some EC2 environment has NVIDIA GPU instances (None: Fargate, or environments of unknown types).
    gpus: bool | None
    #: The queue belongs to a :class:`BatchCluster` whose environments run in public subnets only.
    public_subnets_only: bool


def queue_capacity(job_queue: batch.IJobQueue) -> QueueCapacity | None:
    """What ``job_queue`` offers, read from its compute environments; None for an imported queue (nothing to read)."""
    environments = [ordered.compute_environment for ordered in job_queue.compute_environments]
    if not environments:
        return None
    # Only environments built in this app say what they are (an imported one is a proxy of its interface).
    kinds = {_is_fargate(environment) for environment in environments}
    fargate = kinds.pop() if len(kinds) == 1 else None  # None: mixed, or not known
    owner = job_queue.node.scope
    gpus = None
    if fargate is False and isinstance(owner, BatchCluster):
        gpus = has_gpu_instances(owner.instance_types)
    elif fargate is False and all(isinstance(e, batch.ManagedEc2EcsComputeEnvironment) for e in environments):
        gpus = any(has_gpu_instances(_instance_types(environment)) for environment in environments)
    return QueueCapacity(fargate, gpus, isinstance(owner, BatchCluster) and owner.public_subnets_only)


def _is_fargate(environment: batch.IComputeEnvironment) -> bool | None:
    if isinstance(environment, batch.FargateComputeEnvironment):
        return True
    if isinstance(environment, batch.ManagedEc2EcsComputeEnvironment | batch.UnmanagedComputeEnvironment):
        return False
    return None


def _instance_types(environment: batch.ManagedEc2EcsComputeEnvironment) -> list[str]:
    """Its instance types and families (``optimal`` and the default classes are neither)."""
    types = [instance_type.to_string() for instance_type in environment.instance_types]
    return types + [ec2.InstanceType.of(c, ec2.InstanceSize.LARGE).to_string() for c in environment.instance_classes]


def queue_problems(job_queue: batch.IJobQueue, fargate: bool, gpus: int | None, assign_public_ip: bool) -> Iterator[str]:
    """A job definition the queue's compute environments cannot run: the wrong platform, GPUs, or no way to pull."""
    capacity = queue_capacity(job_queue)
    if capacity is None:
        return
    if capacity.fargate is not None and capacity.fargate != fargate:
        have, want = ("Fargate", "an EC2") if capacity.fargate else ("EC2", "a Fargate")
        yield (
            f"fargate={fargate} builds {want} job definition, but job_queue's compute environments are {have}: "
            f"pass fargate={capacity.fargate} or {want} queue"
        )
    if not fargate and gpus and not is_unresolved(gpus) and capacity.gpus is False:
        yield (
            f"gpus={gpus} needs GPU instances, but job_queue's compute environments have no NVIDIA GPU family "
            "('optimal' and 'default_*' have none): give the cluster instance_types such as ['g6']"
        )
    if fargate and not assign_public_ip and capacity.public_subnets_only:
        yield (
            "assign_public_ip=False: job_queue's cluster runs in public subnets only, with no NAT gateway, "
            "so the task could never pull its image"
        )


#: What a secret's dynamic reference resolves to in a template: CloudFormation puts the secret itself there.
_SECRET_REFERENCES = ("{{resolve:secretsmanager:", "{{resolve:ssm-secure:")


def plain_environment_problems(scope: Construct, environment: Mapping[str, str], allowed: Sequence[str]) -> Iterator[str]:
    """Names in ``allowed`` that are not set, and values or names that look like credentials.

    A token is not read, except for what it resolves to: a dynamic reference to a secret
    (``secret.secret_value.unsafe_unwrap()``) would put the secret into the job definition.
    """
    for name in allowed:
        if name not in environment:
            yield f"allow_plain_environment names {name!r}, which is not in environment ({', '.join(environment) or 'none'})"
    for name, value in environment.items():
        if name in allowed or is_unresolved(name):
            continue
        if is_unresolved(value):
            resolved = json.dumps(Stack.of(scope).resolve(value))
            problem = "the value is a dynamic reference to a secret" if any(r in resolved for r in _SECRET_REFERENCES) else None
        else:
            problem = plain_credential_problem(name, value)
        if problem:
            yield (
                f"environment variable {name!r} is refused as a plain-text credential, {problem}: pass it in secrets "
                "(batch.Secret.from_secrets_manager(...)), or name it in allow_plain_environment if it is not one"
            )


def plain_value_problems(parameters: Mapping[str, str], command: Sequence[str] | None) -> Iterator[str]:
    """Parameters and command arguments that look like credentials: they are in the template in plain text too."""
    places = [(f"parameters[{name!r}]", value) for name, value in parameters.items()]
    places += [(f"command[{index}]", value) for index, value in enumerate(command or ())]
    for where, value in places:
        problem = None if is_unresolved(value) else credential_value_problem(value)
        if problem:
            yield f"{where} is refused as a plain-text credential, {problem}: pass it in secrets as an environment variable"


#: Each stack's job names, and the construct that took each: runs and job definitions are named after them.
_JOB_NAMES: weakref.WeakKeyDictionary[Stack, dict[str, str]] = weakref.WeakKeyDictionary()


def claim_job_name(job: Construct, job_name: str) -> str | None:
    """Record ``job_name`` for ``job``'s stack; the problem when another job of that stack has it."""
    names = _JOB_NAMES.setdefault(Stack.of(job), {})
    if job_name in names:
        return f"job_name {job_name!r} is already the job name of {names[job_name]} in this stack"
    names[job_name] = f"ScheduledBatchJob '{job.node.path}'"
    return None
