"""checked_props: a wrong Python prop type fails at construction, before any child is built, in one line."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from aws_cdk import App, CfnParameter, Duration, Size, Stack, Token
from aws_cdk import aws_batch as batch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs

from batch_stack import (
    BatchCluster,
    BatchFailureNotifier,
    BatchQueueMonitor,
    ConcurrencyPolicy,
    MackerelOptions,
    QueueAlarms,
    RetryRule,
    ScheduledBatchJob,
)
from batch_stack.props import PropTypeError, checked_props, describe, expected
from tests.credentials import slack_webhook_url

QUEUE_ARN = "arn:aws:batch:us-east-1:123456789012:job-queue/imported"
IMAGE = ecs.ContainerImage.from_registry("busybox:1.37")


@pytest.fixture(scope="module")
def world() -> SimpleNamespace:
    """One stack, cluster and monitor for every row; each row adds (at most) a construct of its own id."""
    stack = Stack(App(), "Props")
    cluster = BatchCluster(stack, "Cluster")
    return SimpleNamespace(
        stack=stack,
        cluster=cluster,
        queue=cluster.job_queue,
        imported=batch.JobQueue.from_job_queue_arn(stack, "Imported", QUEUE_ARN),
        secret=secretsmanager.Secret.from_secret_name_v2(stack, "Secret", "team/db"),
        log_group=logs.LogGroup(stack, "Logs"),
        monitor=BatchQueueMonitor(stack, "Monitor", job_queues=[cluster.job_queue], dashboard=False),
    )


def job(w: SimpleNamespace, construct_id: str, **props) -> ScheduledBatchJob:
    return ScheduledBatchJob(w.stack, construct_id, **{"job_queue": w.queue, "image": IMAGE, "schedule": "rate(1 day)", **props})


def notifier(w: SimpleNamespace, construct_id: str, **props) -> BatchFailureNotifier:
    return BatchFailureNotifier(w.stack, construct_id, **{"job_queues": [w.queue], **props})


def cluster(w: SimpleNamespace, construct_id: str, **props) -> BatchCluster:
    return BatchCluster(w.stack, construct_id, **{"vpc": w.cluster.vpc, **props})


def monitor(w: SimpleNamespace, construct_id: str, **props) -> BatchQueueMonitor:
    return BatchQueueMonitor(w.stack, construct_id, **{"job_queues": [w.queue], **props})


Build = Callable[[SimpleNamespace, str], object]
J, C, N, M = "ScheduledBatchJob", "BatchCluster", "BatchFailureNotifier", "BatchQueueMonitor"

#: (construct, build(world, id), the message after "<construct> '<id>': "). A row whose build calls a
#: method of the shared monitor names the monitor's id ("Monitor") instead of its own.
WRONG: list[tuple[str, Build, str]] = [
    (J, lambda w, i: job(w, i, memory=4096), "memory must be a cdk.Size (e.g. Size.mebibytes(2048)), got int 4096"),
    (J, lambda w, i: job(w, i, timeout=3600), "timeout must be a cdk.Duration (e.g. Duration.hours(1)), got int 3600"),
    (J, lambda w, i: job(w, i, vcpus="2"), "vcpus must be a number (int or float), got str '2'"),
    (J, lambda w, i: job(w, i, vcpus=True), "vcpus must be a number (int or float), got bool True"),
    (J, lambda w, i: job(w, i, gpus=1.5), "gpus must be an int, got float 1.5"),
    (J, lambda w, i: job(w, i, fargate="true"), "fargate must be true or false, got str 'true'"),
    (
        J,
        lambda w, i: job(w, i, concurrency_policy="SKIP"),
        "concurrency_policy must be one of 'ALLOW', 'FORBID', 'REPLACE', got str 'SKIP'",
    ),
    (
        J,
        lambda w, i: job(w, i, secrets={"DB": "plain"}),
        "secrets['DB'] must be a batch.Secret (e.g. batch.Secret.from_secrets_manager(secret)), got str (hidden, 5 characters)",
    ),
    (J, lambda w, i: job(w, i, environment={"A": 1}), "environment['A'] must be a str, got int 1"),
    (J, lambda w, i: job(w, i, environment=["A=1"]), "environment must be a mapping of str to str, got list ['A=1']"),
    (J, lambda w, i: job(w, i, command="echo hi"), "command must be a sequence of str (e.g. ['echo hi']), got str 'echo hi'"),
    (
        J,
        lambda w, i: job(w, i, job_queue="my-queue"),
        "job_queue must be a batch.IJobQueue (e.g. BatchCluster.job_queue), got str 'my-queue'",
    ),
    (
        J,
        lambda w, i: job(w, i, job_queue=w.log_group),
        "job_queue must be a batch.IJobQueue (e.g. BatchCluster.job_queue), got logs.LogGroup 'Props/Logs'",
    ),
    (
        J,
        lambda w, i: job(w, i, image="busybox"),
        "image must be an ecs.ContainerImage (e.g. ecs.ContainerImage.from_registry('repo:tag')), got str 'busybox'",
    ),
    (
        J,
        lambda w, i: job(w, i, log_retention=30),
        "log_retention must be a logs.RetentionDays (e.g. RetentionDays.ONE_MONTH), got int 30",
    ),
    (
        J,
        lambda w, i: job(w, i, job_role="arn:aws:iam::1:role/x"),
        "job_role must be an iam.IRole, got str 'arn:aws:iam::1:role/x'",
    ),
    (
        J,
        lambda w, i: job(w, i, retry_rules=[{"action": "EXIT"}]),
        "retry_rules[0] must be a RetryRule (e.g. RetryRule('RETRY', on_status_reason='Host EC2*')), got dict {'action': 'EXIT'}",
    ),
    (
        J,
        lambda w, i: job(w, i, retry_rules=[RetryRule("EXIT", on_exit_code=137)]),
        "retry_rules[0].on_exit_code must be a str, got int 137",
    ),
    (J, lambda w, i: job(w, i, schedule=3), "schedule must be a str or a scheduler.ScheduleExpression, got int 3"),
    (
        J,
        lambda w, i: job(w, i, start="2030-01-01"),
        "start must be a datetime (e.g. datetime(2030, 1, 1, tzinfo=UTC)), got str '2030-01-01'",
    ),
    (
        J,
        lambda w, i: job(w, i, dead_letter_queue=w.queue),
        "dead_letter_queue must be a sqs.IQueue, got batch.JobQueue 'Props/Cluster/JobQueue'",
    ),
    (C, lambda w, i: cluster(w, i, max_vcpus="256"), "max_vcpus must be an int, got str '256'"),
    (C, lambda w, i: cluster(w, i, spot="yes"), "spot must be true or false, got str 'yes'"),
    (C, lambda w, i: cluster(w, i, allow_all_outbound=0), "allow_all_outbound must be true or false, got int 0"),
    (
        C,
        lambda w, i: cluster(w, i, instance_types="m5.large"),
        "instance_types must be a sequence of str (e.g. ['m5.large']), got str 'm5.large'",
    ),
    (C, lambda w, i: cluster(w, i, vpc="vpc-0123"), "vpc must be an ec2.IVpc, got str 'vpc-0123'"),
    (
        N,
        lambda w, i: notifier(w, i, job_queues=w.queue),
        "job_queues must be a sequence of batch.IJobQueue (e.g. [BatchCluster.job_queue]), "
        "got batch.JobQueue 'Props/Cluster/JobQueue'",
    ),
    (
        N,
        lambda w, i: notifier(w, i, webhook_secret=slack_webhook_url("T0/B0/XXXX")),  # the URL itself
        "webhook_secret must be a secretsmanager.ISecret (e.g. secretsmanager.Secret.from_secret_name_v2(self, 'Id', 'name')), "
        "got str (hidden, 43 characters)",
    ),
    (N, lambda w, i: notifier(w, i, statuses="FAILED"), "statuses must be a sequence of str (e.g. ['FAILED']), got str 'FAILED'"),
    (N, lambda w, i: notifier(w, i, log_lines="10"), "log_lines must be an int, got str '10'"),
    (M, lambda w, i: monitor(w, i, namespace=1), "namespace must be a str, got int 1"),
    (
        M,
        lambda w, i: monitor(w, i, mackerel=MackerelOptions("team", api_key="mkr-key")),
        "mackerel.api_key must be a secretsmanager.ISecret (e.g. secretsmanager.Secret.from_secret_name_v2(self, 'Id', 'name')), "
        "got str (hidden, 7 characters)",
    ),
    (
        M,
        lambda w, i: monitor(w, i, queue_alarms=QueueAlarms(runnable_backlog="100")),
        "queue_alarms.runnable_backlog must be an int, got str '100'",
    ),
    (
        M,
        lambda w, i: monitor(w, i, alarm_topic="arn:aws:sns:us-east-1:1:t"),
        "alarm_topic must be a sns.ITopic, got str 'arn:aws:sns:us-east-1:1:t'",
    ),
    (
        M,
        lambda w, i: w.monitor.watch_queue("q"),
        "watch_queue(job_queue) must be a batch.IJobQueue (e.g. BatchCluster.job_queue), got str 'q'",
    ),
    (
        M,
        lambda w, i: w.monitor.watch_dead_letter_queue("dlq", "dlq"),
        "watch_dead_letter_queue(queue) must be a sqs.IQueue, got str 'dlq'",
    ),
    (
        M,
        lambda w, i: w.monitor.watch_function(w.queue, "fn"),
        "watch_function(function) must be a lambda_.IFunction, got batch.JobQueue 'Props/Cluster/JobQueue'",
    ),
    (M, lambda w, i: w.monitor.watch_job("nightly"), "watch_job(job) must be a ScheduledBatchJob, got str 'nightly'"),
]


def children(w: SimpleNamespace) -> list[str]:
    return [c.node.id for c in w.stack.node.children] + [c.node.id for c in w.monitor.node.children]


@pytest.mark.parametrize(("construct", "build", "message"), WRONG, ids=[f"{c}-{m.split(' must')[0]}" for c, _, m in WRONG])
def test_a_wrong_prop_type_fails_at_construction_in_one_line(world, construct, build, message):
    construct_id = f"Wrong{WRONG.index((construct, build, message))}"
    shown_id = "Monitor" if "(" in message.split(" must")[0] else construct_id
    before = children(world)
    with pytest.raises(PropTypeError) as raised:
        build(world, construct_id)
    text = str(raised.value)
    assert "\n" not in text
    assert text.startswith(f"{construct} '{shown_id}': {message.split(' must')[0]} must be ")
    assert text == f"{construct} '{shown_id}': {message}"
    assert isinstance(raised.value, TypeError)
    assert children(world) == before  # nothing built, not even the construct itself


#: (build(world, id)): the neighbours of the wrong rows, which must still construct.
RIGHT: list[Build] = [
    lambda w, i: job(w, i, vcpus=2),
    lambda w, i: job(w, i, vcpus=0.5, fargate=True, job_queue=w.imported),
    lambda w, i: job(w, i, schedule=scheduler.ScheduleExpression.rate(Duration.hours(6))),
    lambda w, i: job(w, i, concurrency_policy=ConcurrencyPolicy.FORBID),
    lambda w, i: job(w, i, concurrency_policy="REPLACE"),
    lambda w, i: job(w, i, command=("echo", "hi"), retry_rules=(RetryRule("EXIT", on_exit_code="*"),)),
    lambda w, i: job(w, i, description=w.queue.job_queue_name, time_zone="Asia/Tokyo"),  # a string token
    lambda w, i: job(w, i, memory=None, timeout=None, job_role=None, log_group=None, gpus=None, start=None),
    lambda w, i: job(w, i, memory=Size.gibibytes(4), timeout=Duration.minutes(5), start=datetime(2030, 1, 1, tzinfo=UTC)),
    lambda w, i: job(w, i, secrets={"DB": batch.Secret.from_secrets_manager(w.secret, "password")}, environment={}),
    lambda w, i: job(w, i, log_group=w.log_group, job_role=iam.Role.from_role_name(w.stack, f"{i}Role", "runner")),
    lambda w, i: job(w, i, log_retention=logs.RetentionDays.ONE_WEEK, dead_letter_queue=sqs.Queue(w.stack, f"{i}Dlq")),
    lambda w, i: cluster(w, i, instance_types=["m5.large"], spot=True, max_vcpus=16),
    lambda w, i: cluster(w, i, max_vcpus=CfnParameter(w.stack, f"{i}Max", type="Number").value_as_number),  # a number token
    lambda w, i: notifier(w, i, job_queues=(w.queue, w.imported), webhook_secret=w.secret, statuses=("FAILED", "SUCCEEDED")),
    lambda w, i: monitor(w, i, job_queues=[w.imported], mackerel=MackerelOptions("team", w.secret), queue_alarms=QueueAlarms()),
    lambda w, i: monitor(w, i, compute_environments=w.cluster.compute_environments, missed_run_multiple=3, dashboard=False),
    lambda w, i: w.monitor.watch_queue(w.imported, label=i, alarms=QueueAlarms(runnable_backlog=None)),
    lambda w, i: w.monitor.watch_function(
        lambda_.Function.from_function_arn(w.stack, i, "arn:aws:lambda:us-east-1:123456789012:function:f"), i
    ),
    lambda w, i: w.monitor.watch_job(job(w, i)),
]


@pytest.mark.parametrize("build", RIGHT, ids=[f"right{n}" for n in range(len(RIGHT))])
def test_the_right_types_next_to_them_still_construct(world, build):
    build(world, f"Right{RIGHT.index(build)}")


def test_the_decorator_keeps_the_signature_and_the_docs():
    parameters = inspect.signature(ScheduledBatchJob.__init__).parameters
    assert list(parameters)[:5] == ["self", "scope", "construct_id", "job_queue", "image"]
    assert parameters["memory"].default is None
    assert parameters["vcpus"].annotation == "float"
    assert ":param job_queue:" in ScheduledBatchJob.__init__.__doc__
    assert list(inspect.signature(BatchQueueMonitor.watch_queue).parameters) == ["self", "job_queue", "label", "alarms"]


def test_a_missing_argument_is_pythons_own_error(world):
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'schedule'") as raised:
        ScheduledBatchJob(world.stack, "Missing", job_queue=world.queue, image=IMAGE)
    assert not isinstance(raised.value, PropTypeError)


def test_the_error_keeps_its_parts(world):
    with pytest.raises(PropTypeError) as raised:
        cluster(world, "Parts", spot="yes")
    error = raised.value
    assert (error.construct, error.construct_id, error.prop, error.expected, error.value) == (
        "BatchCluster",
        "Parts",
        "spot",
        "true or false",
        "yes",
    )


# ---------------------------------------------------------------------------- the rules, on a small function


class Widget:
    @checked_props("Widget")
    def __init__(self, scope: object, construct_id: str, **props: object) -> None:
        self.props = props

    @checked_props("Widget")
    def takes(
        self,
        number: float = 0,
        count: int = 0,
        flag: bool = False,
        names: Sequence[str] = (),
        table: Mapping[str, int] | None = None,
        policy: ConcurrencyPolicy | str = "ALLOW",
        callback: Callable[[], None] | None = None,
        anything: typing.Any = None,
        literal: typing.Literal["a", "b"] = "a",
        pair: tuple[int, str] = (0, ""),
    ) -> None:
        pass

    @property
    def node(self) -> SimpleNamespace:
        return SimpleNamespace(id="W")


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"number": "1"}, "takes(number) must be a number (int or float), got str '1'"),
        ({"number": False}, "takes(number) must be a number (int or float), got bool False"),
        ({"count": 1.0}, "takes(count) must be an int, got float 1.0"),
        ({"count": True}, "takes(count) must be an int, got bool True"),
        ({"flag": 1}, "takes(flag) must be true or false, got int 1"),
        ({"names": b"ab"}, "takes(names) must be a sequence of str, got bytes b'ab'"),
        ({"names": {"a"}}, "takes(names) must be a sequence of str, got set {'a'}"),
        ({"names": ["a", 2]}, "takes(names)[1] must be a str, got int 2"),
        ({"table": {1: 1}}, "takes(table) key 1 must be a str, got int 1"),
        ({"policy": "forbid"}, "takes(policy) must be one of 'ALLOW', 'FORBID', 'REPLACE', got str 'forbid'"),
        ({"policy": 2}, "takes(policy) must be one of 'ALLOW', 'FORBID', 'REPLACE', got int 2"),
        ({"names": "x" * 100}, f"takes(names) must be a sequence of str (e.g. ['{'x' * 55}...']), got str '{'x' * 55}...'"),
    ],
)
def test_the_rules(props, message):
    with pytest.raises(PropTypeError) as raised:
        Widget(None, "W").takes(**props)
    assert str(raised.value) == f"Widget 'W': {message}"


@pytest.mark.parametrize(
    "props",
    [
        {"number": 1, "count": 2, "flag": True},
        {"number": Token.as_number(Token.as_any("n")), "count": Token.as_number(Token.as_any("c"))},
        {"names": ["a"], "table": {"a": 1}, "policy": ConcurrencyPolicy.REPLACE},
        {"names": (), "table": None, "policy": "FORBID"},
        {"callback": "not callable, but not checked", "anything": object(), "literal": 3, "pair": ("x", 1)},
    ],
)
def test_what_the_rules_let_through(props):
    Widget(None, "W").takes(**props)


def test_var_keyword_props_and_a_wrong_construct_id():
    assert Widget(None, "W", free=1).props == {"free": 1}
    with pytest.raises(PropTypeError, match=r"^Widget '3': construct_id must be a str, got int 3$"):
        Widget(None, 3)


def test_an_annotation_that_does_not_evaluate_checks_nothing():
    @checked_props("Loose")
    def loose(self, value: NotDefinedAnywhere) -> None:  # type: ignore[name-defined] # noqa: F821
        return None

    assert loose(SimpleNamespace(node=SimpleNamespace(id="L")), 42) is None


@dataclass(frozen=True)
class Inner:
    size: Size


@checked_props("Outer")
def outer(self, inner: Inner) -> None:
    return None


def test_a_dataclass_has_its_fields_checked_by_name():
    with pytest.raises(PropTypeError, match=r"^Outer 'O': outer\(inner\)\.size must be a cdk\.Size .*, got int 1$"):
        outer(SimpleNamespace(node=SimpleNamespace(id="O")), Inner(1))


def test_jsii_interfaces_are_recognised_by_their_members(world):
    assert expected(batch.IJobQueue) == "a batch.IJobQueue (e.g. BatchCluster.job_queue)"
    imported = secretsmanager.Secret.from_secret_name_v2(world.stack, "Imported2", "team/other")
    assert describe(imported) == "secretsmanager.ISecret 'Props/Imported2'"
    assert describe(world.imported) == "batch.IJobQueue 'Props/Imported'"
    assert describe(Size.mebibytes(1)).startswith("cdk.Size")


def test_the_value_is_one_short_line():
    assert describe("a\nb") == "str 'a\\nb'"
    assert describe(list(range(100))) == f"list {str(list(range(100)))[:57]}..."
    assert len(describe("x" * 1000)) < 70
