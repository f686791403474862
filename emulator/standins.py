"""Every stand-in the emulator uses, in one place: what ``cdk deploy`` or AWS would do that moto does not.

Nothing else is declared by hand: the rest of what the emulator deploys comes from the synthesized template.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Resource types moto 5's CloudFormation does not create; the emulator creates them through the service APIs.
THROUGH_SERVICE_APIS = frozenset(
    {
        "AWS::Scheduler::Schedule",
        "AWS::CloudWatch::Alarm",
        "AWS::SQS::QueuePolicy",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::SecretsManager::Secret",
        "AWS::SNS::Subscription",
        "AWS::SNS::TopicPolicy",
    }
)


@dataclass(frozen=True)
class StandIn:
    """One thing the emulator does in place of AWS, and why."""

    name: str
    why: str


#: Resource types the emulator does not create at all.
SKIPPED_TYPES: Mapping[str, str] = {
    "Custom::VpcRestrictDefaultSG": "a custom resource: its Node.js provider strips the VPC's default security group's rules",
    "AWS::CDK::Metadata": "the CDK's usage report, nothing to run",
}

#: The CDK's default bootstrap qualifier (cdk.json sets no other).
BOOTSTRAP_QUALIFIER = "hnb659fds"
#: What ``cdk bootstrap`` (v2, 2025) puts in the version parameter; the template's rule wants 6 or more.
BOOTSTRAP_VERSION = "30"

STAND_INS: tuple[StandIn, ...] = (
    StandIn(
        "bootstrap bucket and assets",
        "`cdk bootstrap` creates cdk-hnb659fds-assets-<account>-<region> and `cdk deploy` uploads each asset zipped: "
        "the emulator zips cdk.out's asset directories into it",
    ),
    StandIn(
        "bootstrap version parameter",
        f"`cdk bootstrap` writes /cdk-bootstrap/{BOOTSTRAP_QUALIFIER}/version: the emulator puts {BOOTSTRAP_VERSION} there",
    ),
    StandIn(
        "Powertools layer",
        "the functions' AWS-managed layer (account 017000801446) is not in moto: the in-process functions import "
        "aws_lambda_powertools from requirements-dev.txt, pinned to the layer's release",
    ),
    StandIn(
        "Batch compute environments",
        "moto wants a ServiceRole (AWS uses the service-linked role) and an upper-case Type: the emulator gives it both",
    ),
    StandIn(
        "Batch Fn::GetAtt",
        "moto's CloudFormation has no Fn::GetAtt for Batch queues and environments: JobQueueArn and ComputeEnvironmentArn "
        "become Ref, which gives the same ARN",
    ),
    StandIn(
        "Batch runs",
        "moto's Batch runs no container: a job ends when SubmitJob returns (FAILED after MOTO_SIMPLE_BATCH_FAIL_AFTER "
        "seconds, else SUCCEEDED), emits no event and writes no log: the emulator puts the job's log lines and its "
        "state-change event, in the shape Batch sends, on the default bus",
    ),
    StandIn(
        "Batch exit codes",
        "moto's Batch gives an ended job no exit code or status reason: the emulator sets them on moto's record of the "
        "job, as the container's exit would",
    ),
    StandIn(
        "Batch events on the bus",
        "AWS Batch puts its events on the default bus itself (PutEvents refuses aws.* sources): the emulator puts them "
        "with PutEvents, which moto accepts, so they go through the template's rules as Batch's would",
    ),
    StandIn(
        "Lambda runtime",
        "the functions run in this Python process (not python3.14 in Lambda), from their asset directories, with the "
        "template's environment plus Lambda's variables, the emulator's endpoint (AWS_ENDPOINT_URL) and test "
        "credentials; concurrent invocations share one copy of a function's modules",
    ),
    StandIn(
        "event source mappings",
        "moto would invoke a mapped function itself, in Docker: the emulator polls each queue as the mapping says and "
        "runs the function in-process; a failed record's visibility timeout elapses at once",
    ),
    StandIn(
        "EventBridge Scheduler",
        "moto stores schedules but never fires them: the emulator delivers a schedule's Input to its target at the "
        "times it is told, with <aws.scheduler.*> placeholders filled in",
    ),
    *(StandIn(f"{kind} skipped", why) for kind, why in SKIPPED_TYPES.items()),
)


def asset_bucket(account: str, region: str) -> str:
    return f"cdk-{BOOTSTRAP_QUALIFIER}-assets-{account}-{region}"


def bootstrap(clients: Callable[[str], Any], cdk_out: Path, account: str, region: str) -> list[str]:
    """Create what ``cdk bootstrap`` and ``cdk deploy``'s asset upload leave in an account; returns the keys uploaded."""
    s3 = clients("s3")
    bucket = asset_bucket(account, region)
    s3.create_bucket(Bucket=bucket)
    keys = []
    for directory in sorted(cdk_out.glob("asset.*")):
        if not directory.is_dir():
            continue
        key = f"{directory.name.removeprefix('asset.')}.zip"
        s3.put_object(Bucket=bucket, Key=key, Body=zip_directory(directory))
        keys.append(key)
    clients("ssm").put_parameter(
        Name=f"/cdk-bootstrap/{BOOTSTRAP_QUALIFIER}/version", Value=BOOTSTRAP_VERSION, Type="String", Overwrite=True
    )
    return keys


def zip_directory(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(directory).as_posix())
    return buffer.getvalue()


#: moto's CloudFormation knows these Batch attributes only as Ref (which gives the same ARN).
_BATCH_ARN_ATTRIBUTES = re.compile(r'\{"Fn::GetAtt": \["([A-Za-z0-9]+)", "(JobQueueArn|ComputeEnvironmentArn)"\]\}')


def for_moto_cloudformation(template: dict[str, Any], batch_service_role: str) -> dict[str, Any]:
    """``template`` as moto's CloudFormation takes it (a copy): the Batch quirks above."""
    text = _BATCH_ARN_ATTRIBUTES.sub(r'{"Ref": "\1"}', json.dumps(template))
    adapted = json.loads(text)
    for resource in adapted["Resources"].values():
        if resource["Type"] == "AWS::Batch::ComputeEnvironment":
            properties = resource["Properties"]
            properties["Type"] = properties["Type"].upper()
            properties.setdefault("ServiceRole", batch_service_role)
    return adapted


def batch_service_role(clients: Callable[[str], Any]) -> str:
    """The role moto's Batch wants where AWS uses its service-linked role."""
    iam = clients("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "batch.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    role = iam.create_role(
        RoleName="AWSServiceRoleForBatch",
        Path="/aws-service-role/batch.amazonaws.com/",
        AssumeRolePolicyDocument=json.dumps(trust),
    )
    return role["Role"]["Arn"]


def detach_moto_event_source_invocation(account: str, region: str) -> None:
    """Stop moto's SQS from invoking mapped functions itself (in Docker) when a message arrives: the emulator polls instead."""
    from moto.sqs.models import sqs_backends

    for queue in sqs_backends[account][region].queues.values():
        queue.lambda_event_source_mappings.clear()
