"""batch_stack.job_checks: what ScheduledBatchJob refuses about its queue, its stack's other jobs and plain credentials.

Each case builds the construct as a user of the library would (a BatchCluster's queue, or an
imported one) and expects one line naming the construct and what is wrong.
"""

from __future__ import annotations

import pytest
from aws_cdk import App, CfnParameter, SecretValue, Stack, Token
from aws_cdk import aws_batch as batch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager

from batch_stack import BatchCluster, ScheduledBatchJob
from batch_stack.job_checks import queue_capacity
from tests.credentials import AWS_ACCESS_KEY_ID, slack_webhook_url

IMAGE = ecs.ContainerImage.from_registry("busybox:1.37")
QUEUE_ARN = "arn:aws:batch:us-east-1:123456789012:job-queue/elsewhere"


@pytest.fixture(scope="module")
def clusters() -> dict[str, BatchCluster]:
    """A cluster-owned VPC with optimal instances, one with a GPU family, and one in a VPC with private subnets."""
    stack = Stack(App(), "Clusters")
    vpc = ec2.Vpc(stack, "PrivateVpc", max_azs=2, nat_gateways=1)
    public = [ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC)]
    public_vpc = ec2.Vpc(stack, "PublicVpc", max_azs=2, nat_gateways=0, subnet_configuration=public)
    return {
        "optimal": BatchCluster(stack, "Optimal", spot=True, fargate=True),
        "gpu": BatchCluster(stack, "Gpu", instance_types=["c7i", "g6.xlarge"]),
        "new-gpu": BatchCluster(stack, "NewGpu", instance_types=["g6f", "p6-b200.48xlarge"]),  # not in aws-cdk-lib's enum
        "private": BatchCluster(stack, "Private", vpc=vpc, fargate=True),
        # The user's own VPC (with VPC endpoints for ECR, say): not the cluster's to judge.
        "user-public": BatchCluster(stack, "UserPublic", vpc=public_vpc, fargate=True),
    }


def hand_built_queue(make_environment) -> batch.JobQueue:
    """A JobQueue built with plain CDK over one compute environment."""
    stack = Stack(App(), "HandBuilt")
    ordered = batch.OrderedComputeEnvironment(compute_environment=make_environment(stack), order=1)
    return batch.JobQueue(stack, "Queue", compute_environments=[ordered])


def imported_fargate_environment(stack: Stack) -> batch.IFargateComputeEnvironment:
    arn = "arn:aws:batch:us-east-1:123456789012:compute-environment/fargate"
    return batch.FargateComputeEnvironment.from_fargate_compute_environment_arn(stack, "Environment", arn)


def unmanaged_environment(stack: Stack) -> batch.UnmanagedComputeEnvironment:
    return batch.UnmanagedComputeEnvironment(stack, "Environment")


def job(queue: batch.IJobQueue, construct_id: str = "Job", **props) -> ScheduledBatchJob:
    stack = Stack(App(), "Jobs")
    return ScheduledBatchJob(stack, construct_id, job_queue=queue, image=IMAGE, schedule="rate(1 day)", **props)


def imported_queue() -> batch.IJobQueue:
    return batch.JobQueue.from_job_queue_arn(Stack(App(), "Imported"), "Queue", QUEUE_ARN)


def test_the_capacity_of_each_kind_of_queue(clusters):
    optimal, gpu, private = clusters["optimal"], clusters["gpu"], clusters["private"]
    assert queue_capacity(optimal.job_queue).fargate is False and queue_capacity(optimal.job_queue).gpus is False
    assert queue_capacity(optimal.spot_job_queue).gpus is False
    assert queue_capacity(optimal.fargate_job_queue).fargate is True and queue_capacity(optimal.fargate_job_queue).gpus is None
    assert queue_capacity(gpu.job_queue).gpus is True
    assert queue_capacity(optimal.fargate_job_queue).public_subnets_only is True
    assert queue_capacity(private.fargate_job_queue).public_subnets_only is False
    assert queue_capacity(imported_queue()) is None


@pytest.mark.parametrize(
    ("queue_of", "props", "message"),
    [
        (
            lambda c: c["optimal"].fargate_job_queue,
            {},
            "fargate=False builds an EC2 job definition, but job_queue's compute environments are Fargate: pass fargate=True",
        ),
        (
            lambda c: c["optimal"].job_queue,
            {"fargate": True, "memory": None},
            "fargate=True builds a Fargate job definition, but job_queue's compute environments are EC2: pass fargate=False",
        ),
        (
            lambda c: c["optimal"].job_queue,
            {"gpus": 1},
            "gpus=1 needs GPU instances, but job_queue's compute environments have no NVIDIA GPU family",
        ),
        (
            lambda c: c["optimal"].spot_job_queue,
            {"gpus": 2},
            "gpus=2 needs GPU instances",
        ),
        (
            lambda c: c["optimal"].fargate_job_queue,
            {"fargate": True, "assign_public_ip": False},
            "assign_public_ip=False: job_queue's cluster runs in public subnets only, with no NAT gateway",
        ),
    ],
    ids=["ec2-job-on-fargate-queue", "fargate-job-on-ec2-queue", "gpus-on-optimal", "gpus-on-spot", "no-public-ip"],
)
def test_a_job_its_queue_cannot_run_fails_with_one_line(clusters, queue_of, props, message):
    props = {key: value for key, value in props.items() if value is not None}
    with pytest.raises(ValueError, match="^ScheduledBatchJob 'Job': ") as caught:
        job(queue_of(clusters), **props)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("queue_of", "props"),
    [
        (lambda c: c["gpu"].job_queue, {"gpus": 1}),
        (lambda c: c["optimal"].fargate_job_queue, {"fargate": True}),
        (lambda c: c["private"].fargate_job_queue, {"fargate": True, "assign_public_ip": False}),
        (lambda c: c["new-gpu"].job_queue, {"gpus": 1}),
        (lambda c: c["optimal"].job_queue, {"gpus": Token.as_number(CfnParameter(Stack(App(), "P"), "Gpus", type="Number"))}),
        (lambda c: c["user-public"].fargate_job_queue, {"fargate": True, "assign_public_ip": False}),
        (lambda c: imported_queue(), {"gpus": 1}),  # nothing to read: not checked
        (lambda c: imported_queue(), {"fargate": True, "assign_public_ip": False}),
        (lambda c: hand_built_queue(imported_fargate_environment), {"fargate": True}),  # a proxy: not known
        (lambda c: hand_built_queue(imported_fargate_environment), {}),
        (lambda c: hand_built_queue(unmanaged_environment), {"gpus": 1}),  # its instances are the user's
    ],
    ids=[
        "gpus-on-a-gpu-family",
        "fargate-on-fargate",
        "private-subnets",
        "gpus-on-families-aws-cdk-lib-does-not-name",
        "gpus-as-a-token",
        "the-users-own-public-vpc",
        "imported-gpus",
        "imported-fargate",
        "hand-built-over-an-imported-environment",
        "ec2-on-an-imported-environment",
        "gpus-on-unmanaged",
    ],
)
def test_a_job_its_queue_can_run_is_built(clusters, queue_of, props):
    assert job(queue_of(clusters), **props).job_definition is not None


def test_a_fargate_job_on_a_hand_built_unmanaged_queue_fails():
    with pytest.raises(
        ValueError, match="fargate=True builds a Fargate job definition, but job_queue's compute environments are EC2"
    ):
        job(hand_built_queue(unmanaged_environment), fargate=True)


def test_two_jobs_of_one_name_in_one_stack_fail_and_in_two_stacks_do_not():
    queue = imported_queue()
    stack = Stack(App(), "One")
    ScheduledBatchJob(stack, "First", job_queue=queue, image=IMAGE, schedule="rate(1 day)", job_name="nightly")
    with pytest.raises(ValueError) as caught:
        ScheduledBatchJob(stack, "Second", job_queue=queue, image=IMAGE, schedule="rate(1 day)", job_name="nightly")
    assert str(caught.value) == (
        "ScheduledBatchJob 'Second': job_name 'nightly' is already the job name of ScheduledBatchJob 'One/First' in this stack"
    )
    other = Stack(App(), "Two")
    ScheduledBatchJob(other, "First", job_queue=queue, image=IMAGE, schedule="rate(1 day)", job_name="nightly")


@pytest.mark.parametrize(
    ("environment", "reason"),
    [
        ({"DB_PASSWORD": "hunter2"}, "its name says it holds a credential (PASSWORD)"),
        ({"api_key": "sk-live-4f9a"}, "(API_KEY)"),
        ({"HOOK_URL": slack_webhook_url()}, "the value looks like a Slack webhook URL"),
        ({"KEY": AWS_ACCESS_KEY_ID}, "the value looks like an AWS access key id"),
    ],
)
def test_a_plain_credential_in_environment_fails_without_repeating_it(environment, reason):
    with pytest.raises(ValueError) as caught:
        job(imported_queue(), environment=environment)
    (name, value), line = next(iter(environment.items())), str(caught.value)
    assert line.startswith(f"ScheduledBatchJob 'Job': environment variable {name!r} is refused as a plain-text credential, ")
    assert reason in line and "pass it in secrets" in line and "allow_plain_environment" in line
    assert value not in line


def test_the_opt_out_names_what_the_rule_gets_wrong_and_must_name_a_variable():
    built = job(imported_queue(), environment={"TOKEN_BUDGET": "4096"}, allow_plain_environment=["TOKEN_BUDGET"])
    assert built.allow_plain_environment == ("TOKEN_BUDGET",)
    with pytest.raises(ValueError, match="allow_plain_environment names 'TOKEN_BUDGT', which is not in environment"):
        job(imported_queue(), environment={"TOKEN_BUDGET": "4096"}, allow_plain_environment=["TOKEN_BUDGT"])


def test_references_and_tokens_are_not_credentials():
    stack = Stack(App(), "Tokens")
    bucket = s3.Bucket(stack, "Tokens")
    environment = {
        "MODEL_DIR": "/opt/model",
        "TOKENIZER_PATH": "/opt/tokenizer",
        "DB_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
        "TOKEN_BUCKET_NAME": bucket.bucket_name,
        "SECRET_TOKEN": Token.as_string(bucket.bucket_arn),  # a token is not read: only what it resolves to
    }
    built = ScheduledBatchJob(
        stack, "Job", job_queue=imported_queue(), image=IMAGE, schedule="rate(1 day)", environment=environment
    )
    assert set(built.environment) == set(environment)


@pytest.mark.parametrize(
    ("props", "where"),
    [
        ({"parameters": {"hook": slack_webhook_url()}}, "parameters['hook']"),
        ({"command": ["train", "--key", AWS_ACCESS_KEY_ID]}, "command[2]"),
    ],
)
def test_a_credential_in_parameters_or_the_command_fails(props, where):
    with pytest.raises(ValueError) as caught:
        job(imported_queue(), **props)
    assert str(caught.value).startswith(f"ScheduledBatchJob 'Job': {where} is refused as a plain-text credential, the value")


@pytest.mark.parametrize("reference", ["secrets-manager", "ssm-secure"])
def test_a_secrets_dynamic_reference_is_a_plain_credential_in_the_template(reference):
    """``secret_value...unsafe_unwrap()`` resolves to ``{{resolve:secretsmanager:...}}``: CloudFormation puts the secret there."""
    stack = Stack(App(), "Unwrapped")
    if reference == "secrets-manager":
        secret = secretsmanager.Secret.from_secret_name_v2(stack, "Db", "team/db")
        value = secret.secret_value_from_json("password").unsafe_unwrap()
    else:
        value = SecretValue.ssm_secure("/team/db", "1").unsafe_unwrap()
    assert Token.is_unresolved(value)
    with pytest.raises(ValueError) as caught:
        ScheduledBatchJob(
            stack, "Job", job_queue=imported_queue(), image=IMAGE, schedule="rate(1 day)", environment={"DB": value}
        )
    assert "environment variable 'DB' is refused as a plain-text credential, the value is a dynamic reference to a secret" in (
        str(caught.value)
    )
