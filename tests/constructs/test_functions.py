"""PythonFunction: runtime, Powertools layer, its own log group and a role with nothing it was not granted."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template

from batch_stack import rules
from batch_stack.functions import COMMON_PACKAGE, POWERTOOLS_MAPPING_ID, PythonFunction, function_code

QUEUE_ARN = "arn:aws:batch:us-east-1:123456789012:job-queue/q"
STATE_CHANGE = {
    "detail-type": "Batch Job State Change",
    "region": "us-east-1",
    "detail": {"jobId": "j", "jobName": "n", "status": "SUCCEEDED", "jobQueue": QUEUE_ARN, "startedAt": 1000, "stoppedAt": 46000},
}
#: Per function package: what its asset runs, after importing the handler, that goes through ``common``.
ASSET_CHECKS = {
    "submit_job": """
        from submit_job.policy import active_runs
        class Batch:
            def list_jobs(self, **request):
                runs = [{"jobId": "a", "jobName": "j", "status": "RUNNABLE"}, {"jobId": "b", "jobName": "j", "status": "FAILED"}]
                return {"jobSummaryList": runs}
        assert [run["jobId"] for run in active_runs(Batch(), job_name="j", job_queue="q")] == ["a"]
    """,
    "notify_slack": f"""
        from notify_slack.events import read_body
        job = read_body({json.dumps(STATE_CHANGE)!r})
        assert (job.queue, job.platform, job.log_group) == ("q", "EC2", "/aws/batch/job"), job
    """,
    "job_metrics": f"""
        from job_metrics.outcomes import parse_outcome
        outcome = parse_outcome({STATE_CHANGE!r})
        assert (outcome.job_queue, outcome.run_seconds) == ("q", 45.0), outcome
    """,
    "queue_metrics": f"""
        from queue_metrics.counting import QueueDepth
        assert QueueDepth({QUEUE_ARN!r}, {{}}, None, 0).queue_name == "q"
    """,
}


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    app = App(outdir=str(tmp_path_factory.mktemp("functions")))
    stack = Stack(app, "Functions")
    function = PythonFunction(stack, "Submit", package="submit_job", description="test")
    PythonFunction(stack, "Notify", package="notify_slack", description="test")
    PythonFunction(stack, "QueueMetrics", package="queue_metrics", description="test")
    PythonFunction(stack, "JobMetrics", package="job_metrics", description="test")
    assembly = app.synth()
    return function, Template.from_stack(stack), assembly


def test_runs_the_newest_python_on_arm_with_the_pinned_powertools_layer_looked_up_by_region(synthesized):
    _, template, _ = synthesized
    functions = template.find_resources("AWS::Lambda::Function").values()
    assert {(f["Properties"]["Runtime"], *f["Properties"]["Architectures"]) for f in functions} == {("python3.14", "arm64")}
    # An environment-agnostic stack: the region is known at deploy, so the ARN is looked up then.
    lookup = {"Fn::FindInMap": [POWERTOOLS_MAPPING_ID, {"Ref": "AWS::Region"}, "arn"]}
    assert all(f["Properties"]["Layers"] == [lookup] for f in functions)


def test_the_mapping_names_the_layer_of_the_functions_runtime_and_architecture_in_each_region(synthesized):
    _, template, _ = synthesized
    mapping = template.to_json()["Mappings"][POWERTOOLS_MAPPING_ID]
    assert sorted(mapping) == sorted(rules.POWERTOOLS_LAYER_REGIONS[("python3.14", "arm64")])
    assert len(mapping) == 31 and "ca-west-1" not in mapping  # Powertools' arm64 table leaves ca-west-1 out
    assert {"us-east-1", "ap-northeast-1", "eu-west-1", "sa-east-1"} <= set(mapping)
    assert not [region for region in mapping if region.startswith(("cn-", "us-gov-"))]
    for region, value in mapping.items():
        # The publisher account and the layer name are the documented ones, in the key's own region.
        assert value == {"arn": f"arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:27"}


def region_stack(region: str | None, **context) -> Stack:
    app = App(context=context)
    stack = Stack(app, "Regional", env=Environment(region=region) if region else None)
    PythonFunction(stack, "Submit", package="submit_job", description="test")
    return stack


def test_a_stack_with_a_published_region_gets_that_regions_arn_and_no_mapping():
    template = Template.from_stack(region_stack("ap-northeast-1")).to_json()
    (function,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert function["Properties"]["Layers"] == [
        "arn:aws:lambda:ap-northeast-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:27"
    ]
    assert "Mappings" not in template


@pytest.mark.parametrize("region", ["cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1", "ca-west-1"])
def test_a_region_without_the_layer_fails_synth_with_one_line(region):
    with pytest.raises(ValueError) as caught:
        region_stack(region)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(
        f"Stack 'Regional': the Powertools layer AWSLambdaPowertoolsPythonV3-python314-arm64:27 is not published in {region} ("
    )
    assert "-c powertools_layer_arn=<arn>" in message


def test_a_layer_arn_given_in_the_context_is_used_as_it_is():
    arn = "arn:aws-cn:lambda:cn-north-1:498634801083:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:25"
    template = Template.from_stack(region_stack("cn-north-1", powertools_layer_arn=arn)).to_json()
    (function,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert function["Properties"]["Layers"] == [arn]
    with pytest.raises(ValueError, match=r"^context powertools_layer_arn must be a Lambda layer version ARN .* got 'latest'$"):
        region_stack(None, powertools_layer_arn="latest")
    with pytest.raises(
        ValueError, match=r"^Stack 'Regional': .* names a layer in cn-north-1, but the stack deploys to us-east-1 "
    ):
        region_stack("us-east-1", powertools_layer_arn=arn)


def test_the_arn_is_looked_up_once_per_stack():
    from batch_stack.functions import powertools_layer_arn

    stack = region_stack(None)
    assert stack.resolve(powertools_layer_arn(stack)) == stack.resolve(powertools_layer_arn(stack))
    assert len(Template.from_stack(stack).to_json()["Mappings"]) == 1


def test_powertools_pin_matches_requirements_dev():
    from aws_lambda_powertools.shared.version import VERSION

    requirements = (Path(__file__).resolve().parents[2] / "requirements-dev.txt").read_text()
    assert f"aws-lambda-powertools=={VERSION}" in requirements
    assert rules.POWERTOOLS_LAYER_VERSION == 27 and VERSION == rules.POWERTOOLS_RELEASE == "3.23.0", (
        "layer 27 is Powertools 3.23.0: update both together"
    )


def test_role_has_no_managed_policy_and_writes_only_its_own_log_group(synthesized):
    function, template, _ = synthesized
    stack = Stack.of(function)
    roles = template.find_resources("AWS::IAM::Role")
    assert roles and all("ManagedPolicyArns" not in r["Properties"] for r in roles.values())
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [stack.resolve(function.role.role_name)],
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Effect": "Allow",
                        "Resource": stack.resolve(function.log_group.log_group_arn),
                    }
                ]
            },
        },
    )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})


def asset_dirs(template: Template, assembly) -> dict[str, Path]:
    """Each function's package -> its synthesized asset folder."""
    return {
        resource["Properties"]["Handler"].split(".")[0]: Path(assembly.directory)
        / f"asset.{resource['Properties']['Code']['S3Key'].removesuffix('.zip')}"
        for resource in template.find_resources("AWS::Lambda::Function").values()
    }


def test_asset_holds_only_the_functions_own_package_and_common(synthesized):
    _, template, assembly = synthesized
    asset_dir = asset_dirs(template, assembly)["submit_job"]
    assert asset_dir.is_dir()
    entries = sorted(p.name for p in asset_dir.iterdir())
    assert entries == [COMMON_PACKAGE, "submit_job"]
    for package in entries:
        assert (asset_dir / package / "__init__.py").is_file()  # real packages, not namespace packages
    assert not list(asset_dir.rglob("__pycache__"))


def test_every_function_package_has_a_check_and_a_function_here(synthesized):
    _, template, assembly = synthesized
    packages = {p.name for p in (Path(__file__).resolve().parents[2] / "lambdas").iterdir() if (p / "handler.py").is_file()}
    assert packages == set(ASSET_CHECKS) == set(asset_dirs(template, assembly))


@pytest.mark.parametrize("package", sorted(ASSET_CHECKS))
def test_asset_imports_its_handler_as_lambda_would(synthesized, package):
    """Import ``<package>.handler`` from the asset folder alone, in a fresh interpreter, as Lambda does.

    Only the asset and site-packages (boto3, Powertools) are on the path: the package must
    find the asset's top-level ``common``, and its modules the same one, not the repository's.
    """
    _, template, assembly = synthesized
    (handler,) = [
        r["Properties"]["Handler"]
        for r in template.find_resources("AWS::Lambda::Function").values()
        if r["Properties"]["Handler"].startswith(f"{package}.")
    ]
    asset_dir = asset_dirs(template, assembly)[package]
    module, function = handler.rsplit(".", 1)
    code = textwrap.dedent(f"""
        import importlib, pkgutil, sys
        sys.path[:0] = [{str(asset_dir)!r}]
        import {module} as m
        assert callable(m.{function})
        import common, {package}
        assert common.__file__.startswith({str(asset_dir)!r}), common.__file__
        modules = [{package}] + [importlib.import_module("{package}." + i.name) for i in pkgutil.iter_modules({package}.__path__)]
        assert all(getattr(module, "common", common) is common for module in modules)
        assert "batch_stack_lambdas" not in sys.modules and "lambdas" not in sys.modules
    """) + textwrap.dedent(ASSET_CHECKS[package])
    result = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_unknown_package_is_rejected():
    with pytest.raises(ValueError, match=r"no Lambda handler at /.*/lambdas/nope/handler.py"):
        function_code("nope")


def test_the_shared_package_is_not_a_function():
    with pytest.raises(ValueError, match=r"no Lambda handler at /.*/lambdas/common/handler.py"):
        function_code(COMMON_PACKAGE)
