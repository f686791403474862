"""emulator.standins: the stand-ins for what ``cdk deploy`` or AWS would do that moto does not."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path

import pytest

from emulator import standins
from emulator.standins import (
    BOOTSTRAP_VERSION,
    SKIPPED_TYPES,
    STAND_INS,
    asset_bucket,
    bootstrap,
    for_moto_cloudformation,
    zip_directory,
)

ROLE = "arn:aws:iam::123456789012:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch"

#: A CDK-synthesized template's Batch part (CloudFormation's AWS::Batch::* resource syntax, as the CDK writes it).
TEMPLATE = {
    "Resources": {
        "Env": {
            "Type": "AWS::Batch::ComputeEnvironment",
            "Properties": {"Type": "managed", "ComputeResources": {"Type": "SPOT", "MaxvCpus": 16}},
        },
        "EnvWithRole": {
            "Type": "AWS::Batch::ComputeEnvironment",
            "Properties": {"Type": "MANAGED", "ServiceRole": "arn:aws:iam::123456789012:role/mine"},
        },
        "Queue": {
            "Type": "AWS::Batch::JobQueue",
            "Properties": {
                "Priority": 1,
                "ComputeEnvironmentOrder": [{"Order": 1, "ComputeEnvironment": {"Fn::GetAtt": ["Env", "ComputeEnvironmentArn"]}}],
            },
        },
        "Rule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "EventPattern": {"detail": {"jobQueue": [{"Fn::GetAtt": ["Queue", "JobQueueArn"]}]}},
                "Targets": [{"Arn": {"Fn::GetAtt": ["Topic", "TopicArn"]}, "Id": "T"}],
            },
        },
    },
    "Outputs": {
        "QueueArn": {"Value": {"Fn::GetAtt": ["Queue", "JobQueueArn"]}},
        "EnvArn": {"Value": {"Fn::GetAtt": ["Env", "ComputeEnvironmentArn"]}},
    },
}


# --------------------------------------------------------------------------- for_moto_cloudformation


def test_batch_arn_attributes_become_refs_in_resources_and_outputs():
    adapted = for_moto_cloudformation(copy.deepcopy(TEMPLATE), ROLE)
    order = adapted["Resources"]["Queue"]["Properties"]["ComputeEnvironmentOrder"]
    assert order[0]["ComputeEnvironment"] == {"Ref": "Env"}
    assert adapted["Resources"]["Rule"]["Properties"]["EventPattern"]["detail"]["jobQueue"] == [{"Ref": "Queue"}]
    assert adapted["Outputs"]["QueueArn"]["Value"] == {"Ref": "Queue"}
    assert adapted["Outputs"]["EnvArn"]["Value"] == {"Ref": "Env"}


def test_other_get_atts_are_left_alone():
    adapted = for_moto_cloudformation(copy.deepcopy(TEMPLATE), ROLE)
    assert adapted["Resources"]["Rule"]["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": ["Topic", "TopicArn"]}


def test_compute_environments_get_an_upper_case_type_and_a_service_role_when_missing():
    adapted = for_moto_cloudformation(copy.deepcopy(TEMPLATE), ROLE)
    env = adapted["Resources"]["Env"]["Properties"]
    assert env["Type"] == "MANAGED"
    assert env["ServiceRole"] == ROLE
    assert env["ComputeResources"] == {"Type": "SPOT", "MaxvCpus": 16}
    assert adapted["Resources"]["EnvWithRole"]["Properties"]["ServiceRole"] == "arn:aws:iam::123456789012:role/mine"
    assert "ServiceRole" not in adapted["Resources"]["Queue"]["Properties"]


def test_the_input_template_is_not_mutated():
    template = copy.deepcopy(TEMPLATE)
    for_moto_cloudformation(template, ROLE)
    assert template == TEMPLATE


# --------------------------------------------------------------------------- zip_directory


def make_asset(directory: Path) -> None:
    (directory / "common").mkdir(parents=True)
    (directory / "handler.py").write_text("def handler(event, context): ...\n")
    (directory / "common" / "jobs.py").write_text("X = 1\n")
    (directory / "__pycache__").mkdir()
    (directory / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\0")
    (directory / "common" / "__pycache__").mkdir()
    (directory / "common" / "__pycache__" / "jobs.cpython-311.pyc").write_bytes(b"\0")


def test_zip_directory_holds_the_files_by_relative_posix_path(tmp_path):
    make_asset(tmp_path)
    with zipfile.ZipFile(io.BytesIO(zip_directory(tmp_path))) as archive:
        assert sorted(archive.namelist()) == ["common/jobs.py", "handler.py"]
        assert archive.read("common/jobs.py") == b"X = 1\n"


# --------------------------------------------------------------------------- bootstrap


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def __getattr__(self, method: str):
        return lambda **kwargs: self.calls.append((method, kwargs))


def test_bootstrap_creates_the_bucket_the_assets_and_the_version_parameter(tmp_path):
    make_asset(tmp_path / "asset.abc123")
    make_asset(tmp_path / "asset.def456")
    (tmp_path / "asset.fff999.txt").write_text("a file named like an asset")
    (tmp_path / "other").mkdir()
    s3, ssm = Recorder(), Recorder()
    keys = bootstrap({"s3": s3, "ssm": ssm}.__getitem__, tmp_path, "123456789012", "us-east-1")

    # `cdk bootstrap`'s default qualifier hnb659fds names the bucket and the parameter.
    bucket = "cdk-hnb659fds-assets-123456789012-us-east-1"
    assert asset_bucket("123456789012", "us-east-1") == bucket
    assert keys == ["abc123.zip", "def456.zip"]
    assert s3.calls[0] == ("create_bucket", {"Bucket": bucket})
    puts = [arguments for method, arguments in s3.calls[1:] if method == "put_object"]
    assert len(s3.calls) == 3
    assert [(put["Bucket"], put["Key"]) for put in puts] == [(bucket, "abc123.zip"), (bucket, "def456.zip")]
    with zipfile.ZipFile(io.BytesIO(puts[0]["Body"])) as archive:
        assert sorted(archive.namelist()) == ["common/jobs.py", "handler.py"]
    assert ssm.calls == [
        (
            "put_parameter",
            {"Name": "/cdk-bootstrap/hnb659fds/version", "Value": BOOTSTRAP_VERSION, "Type": "String", "Overwrite": True},
        )
    ]


def test_the_bootstrap_version_satisfies_the_templates_rule():
    # The CDK's synthesized CheckBootstrapVersion rule asserts the version is not in 1..5.
    assert int(BOOTSTRAP_VERSION) >= 6


# --------------------------------------------------------------------------- the list of stand-ins


@pytest.mark.parametrize("kind", sorted(SKIPPED_TYPES))
def test_every_skipped_type_is_a_listed_stand_in(kind):
    assert sum(kind in stand_in.name for stand_in in STAND_INS) == 1


def test_stand_in_names_are_distinct_and_say_why():
    names = [stand_in.name for stand_in in STAND_INS]
    assert len(names) == len(set(names))
    assert all(stand_in.why for stand_in in STAND_INS)


def test_batch_service_role_creates_a_role_at_the_service_linked_roles_path():
    created = []

    class Iam:
        def create_role(self, **kwargs):
            created.append(kwargs)
            return {"Role": {"Arn": ROLE}}

    assert standins.batch_service_role({"iam": Iam()}.__getitem__) == ROLE
    ((arguments,),) = [created]
    assert arguments["RoleName"] == "AWSServiceRoleForBatch"
    assert arguments["Path"] == "/aws-service-role/batch.amazonaws.com/"
    assert json.loads(arguments["AssumeRolePolicyDocument"])["Statement"][0]["Principal"] == {"Service": "batch.amazonaws.com"}
