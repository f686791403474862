"""After a deployment: what moto holds must be what the template says, where the parts are wired together.

moto's CloudFormation silently drops a property it cannot resolve; this finds it. The functions
are then described as the template gives them, to run in-process (:mod:`emulator.runtime`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .runtime import Function

if TYPE_CHECKING:
    from .deploy import Deployment

Clients = Callable[[str], Any]


class WiringMismatch(Exception):  # noqa: N818
    """What moto holds differs from the resolved template: the message names the resource and the property."""


def _same(logical_id: str, what: str, expected: Any, actual: Any) -> None:
    if expected != actual:
        raise WiringMismatch(f"{logical_id}: {what}: the template gives {expected!r}, the emulator holds {actual!r}")


def check_deployed(deployment: Deployment, clients: Clients) -> None:
    for logical_id, properties in deployment.resources("AWS::Lambda::Function").items():
        configuration = clients("lambda").get_function_configuration(FunctionName=deployment.ref(logical_id))
        _same(
            logical_id,
            "Environment",
            properties.get("Environment", {}).get("Variables", {}),
            configuration.get("Environment", {}).get("Variables", {}),
        )
        _same(logical_id, "Handler", properties["Handler"], configuration["Handler"])
        _same(logical_id, "Timeout", properties.get("Timeout", 3), configuration["Timeout"])
    for logical_id, properties in deployment.resources("AWS::Lambda::EventSourceMapping").items():
        mappings = clients("lambda").list_event_source_mappings(FunctionName=properties["FunctionName"])["EventSourceMappings"]
        sources = [mapping["EventSourceArn"] for mapping in mappings]
        _same(logical_id, "EventSourceArn", [properties["EventSourceArn"]], sources)
        _same(logical_id, "BatchSize", properties.get("BatchSize", 10), mappings[0]["BatchSize"])
        _same(
            logical_id,
            "FunctionResponseTypes",
            properties.get("FunctionResponseTypes", []),
            mappings[0].get("FunctionResponseTypes", []),
        )
        _same(logical_id, "State", "Enabled" if properties.get("Enabled", True) else "Disabled", mappings[0].get("State"))
    for logical_id, properties in deployment.resources("AWS::Events::Rule").items():
        rule = clients("events").describe_rule(Name=deployment.ref(logical_id))
        _same(logical_id, "EventPattern", properties.get("EventPattern"), json.loads(rule["EventPattern"]))
        _same(logical_id, "State", properties.get("State", "ENABLED"), rule.get("State"))
        targets = clients("events").list_targets_by_rule(Rule=deployment.ref(logical_id))["Targets"]
        _same(logical_id, "Targets", [t["Arn"] for t in properties.get("Targets", [])], [t["Arn"] for t in targets])
    for logical_id, properties in deployment.resources("AWS::SQS::Queue").items():
        held = clients("sqs").get_queue_attributes(QueueUrl=deployment.ref(logical_id), AttributeNames=["All"])["Attributes"]
        if "RedrivePolicy" in properties:
            _same(logical_id, "RedrivePolicy", properties["RedrivePolicy"], json.loads(held.get("RedrivePolicy", "{}")))
        _same(logical_id, "VisibilityTimeout", str(properties.get("VisibilityTimeout", 30)), held["VisibilityTimeout"])
    for logical_id, properties in deployment.resources("AWS::Batch::JobDefinition").items():
        (definition,) = clients("batch").describe_job_definitions(jobDefinitions=[deployment.ref(logical_id)])["jobDefinitions"]
        expected = properties.get("ContainerProperties", {}).get("LogConfiguration", {}).get("Options", {})
        held = definition.get("containerProperties", {}).get("logConfiguration", {}).get("options", {})
        _same(logical_id, "ContainerProperties.LogConfiguration.Options", expected, held)
    for logical_id, properties in deployment.resources("AWS::Scheduler::Schedule").items():
        group = {"GroupName": properties["GroupName"]} if properties.get("GroupName") else {}
        schedule = clients("scheduler").get_schedule(Name=deployment.ref(logical_id), **group)
        for key in ("Arn", "Input", "RoleArn"):
            _same(logical_id, f"Target.{key}", properties["Target"].get(key), schedule["Target"].get(key))
        for key in ("ScheduleExpression", "State"):
            _same(logical_id, key, properties.get(key, "ENABLED" if key == "State" else None), schedule.get(key))


def functions_of(deployment: Deployment) -> dict[str, Function]:
    """The stack's Python functions, each with its handler, asset directory and resolved environment."""
    functions = {}
    for logical_id, properties in deployment.resources("AWS::Lambda::Function").items():
        if not properties.get("Runtime", "").startswith("python"):
            continue
        # The asset cdk deploy uploaded as <hash>.zip is cdk.out's asset.<hash> (asset metadata only comes with the CLI).
        asset = deployment.cdk_out / f"asset.{properties['Code']['S3Key'].removesuffix('.zip')}"
        if not asset.is_dir():
            raise WiringMismatch(f"{logical_id}: Code.S3Key {properties['Code']['S3Key']}: no asset directory {asset}")
        name = deployment.ref(logical_id)
        log_group = properties.get("LoggingConfig", {}).get("LogGroup") or f"/aws/lambda/{name}"
        functions[logical_id] = Function(
            logical_id=logical_id,
            name=name,
            arn=deployment.attribute(logical_id, "Arn"),
            handler=properties["Handler"],
            asset=asset,
            environment=dict(properties.get("Environment", {}).get("Variables", {})),
            timeout=float(properties.get("Timeout", 3)),
            memory=int(properties.get("MemorySize", 128)),
            log_group=log_group,
        )
    return functions
