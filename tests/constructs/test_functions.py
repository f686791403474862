"""PythonFunction: runtime, Powertools layer, its own log group and a role with nothing it was not granted."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Match, Template

from batch_stack.functions import POWERTOOLS_LAYER_VERSION, PythonFunction, function_code


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    app = App(outdir=str(tmp_path_factory.mktemp("functions")))
    stack = Stack(app, "Functions")
    function = PythonFunction(stack, "Submit", package="submit_job", description="test")
    PythonFunction(stack, "Notify", package="notify_slack", description="test")
    assembly = app.synth()
    return function, Template.from_stack(stack), assembly


def test_runs_the_newest_python_on_arm_with_the_pinned_powertools_layer(synthesized):
    _, template, _ = synthesized
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.14",
            "Architectures": ["arm64"],
            "Handler": "submit_job.handler.handler",
            "Layers": [
                {
                    "Fn::Join": [
                        "",
                        Match.array_with(
                            [f":017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:{POWERTOOLS_LAYER_VERSION}"]
                        ),
                    ]
                }
            ],
        },
    )


def test_powertools_pin_matches_requirements_dev():
    from aws_lambda_powertools.shared.version import VERSION

    requirements = (Path(__file__).resolve().parents[2] / "requirements-dev.txt").read_text()
    assert f"aws-lambda-powertools=={VERSION}" in requirements
    assert POWERTOOLS_LAYER_VERSION == 27 and VERSION == "3.23.0", "layer 27 is Powertools 3.23.0: update both together"


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


def test_asset_holds_only_the_functions_own_package(synthesized):
    _, template, assembly = synthesized
    (resource,) = [
        r
        for r in template.find_resources("AWS::Lambda::Function").values()
        if r["Properties"]["Handler"].startswith("submit_job")
    ]
    asset_hash = resource["Properties"]["Code"]["S3Key"].removesuffix(".zip")
    asset_dir = Path(assembly.directory) / f"asset.{asset_hash}"
    assert asset_dir.is_dir()
    entries = sorted(p.name for p in asset_dir.iterdir())
    assert entries == ["submit_job"]
    assert (asset_dir / "submit_job" / "__init__.py").is_file()  # a real package, not a namespace package
    assert not list(asset_dir.rglob("__pycache__"))


def test_asset_imports_its_handler_as_lambda_would(synthesized):
    """Import ``<package>.handler`` from the asset folder alone, in a fresh interpreter, as Lambda does."""
    import subprocess
    import sys

    _, template, assembly = synthesized
    for resource in template.find_resources("AWS::Lambda::Function").values():
        handler = resource["Properties"]["Handler"]
        asset_dir = Path(assembly.directory) / f"asset.{resource['Properties']['Code']['S3Key'].removesuffix('.zip')}"
        module = handler.rsplit(".", 1)[0]
        code = f"import sys; sys.path[:0] = [{str(asset_dir)!r}]; import {module} as m; assert callable(m.handler)"
        result = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_unknown_package_is_rejected():
    with pytest.raises(ValueError, match=r"no Lambda handler at lambdas/nope/handler.py"):
        function_code("nope")
