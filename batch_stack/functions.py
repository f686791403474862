"""The Python Lambda functions of this library: one way to build them.

Every function here runs the newest Python runtime on arm64, gets Powertools
from the AWS-managed public layer (pinned, and looked up by region; the same
release is pinned in requirements-dev.txt for the tests), logs to its own log group with a
retention, and has a role with no AWS-managed policy: only what it is granted.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import CfnMapping, Duration, IgnoreMode, RemovalPolicy, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

import batch_stack_lambdas
from batch_stack import rules

#: The repository's ``lambdas/`` folder, installed as the package ``batch_stack_lambdas``.
LAMBDAS_DIR = Path(batch_stack_lambdas.__file__).resolve().parent
#: The package of ``lambdas/`` that every function's asset holds beside the function's own.
COMMON_PACKAGE = "common"

RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
#: The mapping, keyed by region, that the layer's ARN is looked up in at deploy (``Fn::FindInMap``).
POWERTOOLS_MAPPING_ID = "PowertoolsLayerArns"


def function_code(package: str) -> lambda_.Code:
    """The asset of one function: ``lambdas/`` holding only ``package`` and :data:`COMMON_PACKAGE`, the code all share."""
    if not (LAMBDAS_DIR / package / "handler.py").is_file():
        raise ValueError(f"no Lambda handler at {LAMBDAS_DIR / package / 'handler.py'}")
    # Git-style patterns: "/name" matches only at the asset's root, so the packages keep their own __init__.py.
    others = sorted(f"/{p.name}" for p in LAMBDAS_DIR.iterdir() if p.name not in (package, COMMON_PACKAGE))
    return lambda_.Code.from_asset(str(LAMBDAS_DIR), ignore_mode=IgnoreMode.GIT, exclude=[*others, "__pycache__/", "*.pyc"])


class PythonFunction(lambda_.Function):
    """A function from ``lambdas/<package>/handler.py`` with its own role and log group.

    Exposes ``log_group`` (retention: one month) and ``role``. Default timeout: 30 seconds.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        package: str,
        description: str,
        environment: Mapping[str, str] | None = None,
        timeout: Duration | None = None,
        memory_size: int = 128,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        log_group = logs.LogGroup(scope, f"{construct_id}Logs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        role = iam.Role(scope, f"{construct_id}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        super().__init__(
            scope,
            construct_id,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=function_code(package),
            handler=f"{package}.handler.handler",
            description=description,
            timeout=timeout or Duration.seconds(30),
            memory_size=memory_size,
            role=role,
            log_group=log_group,
            layers=[_powertools_layer(scope)],
            environment={"POWERTOOLS_SERVICE_NAME": package, **(environment or {})},
        )
        # Only this function's own log group, not logs:* on every group.
        role.add_to_policy(
            iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn])
        )
        # ``self.log_group`` is lambda.Function's own (read-only) property and returns ``log_group``.


def _powertools_layer(scope: Construct) -> lambda_.ILayerVersion:
    """One reference to the Powertools layer per stack."""
    stack = Stack.of(scope)
    existing = stack.node.try_find_child("PowertoolsLayer")
    if existing is not None:
        return existing  # type: ignore[return-value]
    return lambda_.LayerVersion.from_layer_version_arn(stack, "PowertoolsLayer", powertools_layer_arn(stack))


def powertools_layer_arn(stack: Stack) -> str:
    """The pinned Powertools layer's version ARN in ``stack``'s region.

    The layer is published per region, by :data:`~batch_stack.rules.POWERTOOLS_PUBLISHER`
    in the regions of :data:`~batch_stack.rules.POWERTOOLS_LAYER_REGIONS`. A stack with
    a region gets that region's ARN, and synth fails with one line in a region not
    listed; an environment-agnostic stack looks its region up at deploy in the
    :data:`POWERTOOLS_MAPPING_ID` mapping (CloudFormation refuses a region not in it).
    The context value ``powertools_layer_arn`` replaces all this with an ARN of the
    user's choice (a layer checked by hand in China or GovCloud).
    """
    given = stack.node.try_get_context(rules.POWERTOOLS_LAYER_CONTEXT)
    if given is not None:
        if not isinstance(given, str) or not rules.LAYER_VERSION_ARN_PATTERN.match(given):
            raise ValueError(
                f"context {rules.POWERTOOLS_LAYER_CONTEXT} must be a Lambda layer version ARN "
                f"(arn:aws:lambda:<region>:<account>:layer:<name>:<version>), got {given!r}"
            )
        layer_region = given.split(":")[3]
        if not Token.is_unresolved(stack.region) and layer_region != stack.region:
            raise ValueError(
                f"Stack '{stack.stack_name}': context {rules.POWERTOOLS_LAYER_CONTEXT} names a layer in {layer_region}, "
                f"but the stack deploys to {stack.region} (Lambda takes layers of its own region only)"
            )
        return given
    runtime, architecture = RUNTIME.name, ARCHITECTURE.name
    regions = rules.POWERTOOLS_LAYER_REGIONS.get((runtime, architecture), ())
    concrete = not Token.is_unresolved(stack.region)
    if concrete or not regions:
        problem = rules.powertools_region_problem(stack.region if concrete else "any region", runtime, architecture)
        if problem:
            raise ValueError(f"Stack '{stack.stack_name}': {problem}")
    name = f"{rules.powertools_layer_name(runtime, architecture)}:{rules.POWERTOOLS_LAYER_VERSION}"
    arns = {each: {"arn": f"arn:aws:lambda:{each}:{rules.POWERTOOLS_PUBLISHER}:layer:{name}"} for each in regions}
    # lazy: a stack with a region gets the ARN itself, and no mapping.
    mapping = stack.node.try_find_child(POWERTOOLS_MAPPING_ID) or CfnMapping(
        stack, POWERTOOLS_MAPPING_ID, mapping=arns, lazy=True
    )
    return mapping.find_in_map(stack.region, "arn")  # type: ignore[union-attr]
