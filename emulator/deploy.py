"""Deploy a synthesized stack into moto as ``cdk deploy`` would: moto's CloudFormation where it can, the service APIs elsewhere.

The resources fall in four groups, in dependency order:

1. resources moto's CloudFormation does not create and that need nothing the stack creates
   (the webhook secret): through the service APIs, first;
2. the rest of moto's types: ``create_stack``;
3. the other resources moto's CloudFormation does not create (schedules, alarms, queue policies,
   invoke configs): through the service APIs;
4. moto's types that need one of group 3 (the dashboard shows the alarms), with the outputs:
   ``update_stack``.

Then every resource's properties are resolved against what was created, and what moto holds is
compared with them where the wiring lives (functions' environments, mappings, rules, queues):
an unresolved value, or a property moto dropped, fails the deployment with a message naming it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

from . import attributes, creators, standins
from .intrinsics import Resolver, Unresolved, unsupported
from .runtime import Function
from .server import ACCOUNT, REGION, ClientsAt, MotoServer


class DeployFailed(Exception):  # noqa: N818
    """The stack could not be created as its template says: the message names the resource and what went wrong."""


@dataclass
class Deployment:
    """A stack as deployed into the emulator."""

    stack_name: str
    template: dict[str, Any]
    cdk_out: Path
    resolver: Resolver
    #: logical id -> "cloudformation", "service API" or "skipped: <why>"
    created_by: dict[str, str] = field(default_factory=dict)
    #: logical id -> its properties, resolved
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    #: logical id -> physical id, of what moto's CloudFormation created
    physical_ids: dict[str, str] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Resolved properties of the created resources of one type, by logical id."""
        return {
            logical_id: properties
            for logical_id, properties in self.properties.items()
            if self.template["Resources"][logical_id]["Type"] == resource_type
        }

    def ref(self, logical_id: str) -> str:
        return self.resolver.refs[logical_id]

    def attribute(self, logical_id: str, name: str) -> Any:
        return self.resolver.attributes[logical_id][name]

    def function_by_arn(self, arn: str) -> Function:
        name = arn.split(":function:", 1)[-1].split(":", 1)[0]
        for function in self.functions.values():
            if arn in (function.arn, function.name) or function.name == name:
                return function
        raise KeyError(f"no function {arn} in the stack")


def deploy(server: MotoServer, cdk_out: Path, stack_name: str, template: Mapping[str, Any] | None = None) -> Deployment:
    """Deploy ``stack_name`` from the cloud assembly in ``cdk_out`` (or ``template``, e.g. one a test changed)."""
    template = copy.deepcopy(dict(template or json.loads((cdk_out / f"{stack_name}.template.json").read_text())))
    clients = ClientsAt(server)
    resolver = Resolver(
        pseudo={
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack_name,
        },
        mappings=template.get("Mappings", {}),
        # Only when the template asks: moto's EC2 makes its default VPC on the first call (a quarter of a second).
        availability_zones=_availability_zones(clients) if "Fn::GetAZs" in json.dumps(template) else [],
    )
    deployment = Deployment(stack_name, template, cdk_out, resolver)
    resources: dict[str, Any] = template["Resources"]
    for logical_id, resource in resources.items():
        if resource["Type"] in standins.SKIPPED_TYPES:
            deployment.created_by[logical_id] = f"skipped: {standins.SKIPPED_TYPES[resource['Type']]}"
        elif "Condition" in resource:
            raise DeployFailed(f"{logical_id}: Condition {resource['Condition']!r}: the emulator does not evaluate conditions")
    deployed = {logical_id: resource for logical_id, resource in resources.items() if logical_id not in deployment.created_by}
    found = [
        problem
        for logical_id, resource in deployed.items()
        for problem in unsupported(resource.get("Properties", {}), f"{logical_id}.Properties")
    ]
    found += [
        problem for name, output in template.get("Outputs", {}).items() for problem in unsupported(output, f"Outputs.{name}")
    ]
    if found:
        raise DeployFailed("; ".join(found))
    standins.bootstrap(clients, cdk_out, ACCOUNT, REGION)
    resolver.parameters = _parameters(template, clients)
    _check_rules(template, resolver)
    groups = _groups(deployed, resolver)
    try:
        _create_through_apis(groups.before, deployment, clients)
        service_role = standins.batch_service_role(clients)
        first = {logical_id: deployed[logical_id] for logical_id in groups.first}
        _cloudformation(deployment, first, service_role, clients, update=False)
        _create_through_apis(groups.after, deployment, clients)
        _cloudformation(deployment, {k: deployed[k] for k in (*groups.first, *groups.last)}, service_role, clients, update=True)
        standins.detach_moto_event_source_invocation(ACCOUNT, REGION)
        for logical_id, resource in deployed.items():
            deployment.properties[logical_id] = resolver.resolve(resource.get("Properties", {}), f"{logical_id}.Properties")
        deployment.outputs = {
            name: resolver.resolve(output["Value"], f"Outputs.{name}") for name, output in template.get("Outputs", {}).items()
        }
    except (Unresolved, creators.UnknownProperty) as error:
        raise DeployFailed(str(error)) from None
    from .wiring import check_deployed, functions_of

    check_deployed(deployment, clients)
    deployment.functions = functions_of(deployment)
    return deployment


@dataclass
class _Groups:
    before: list[str]
    first: list[str]
    after: list[str]
    last: list[str]


def _groups(resources: Mapping[str, Any], resolver: Resolver) -> _Groups:
    needs = {
        logical_id: (resolver.references(resource.get("Properties", {})) | set(resource.get("DependsOn", []))) & set(resources)
        for logical_id, resource in resources.items()
    }
    missing = {
        f"{logical_id} -> {name}"
        for logical_id, resource in resources.items()
        for name in resolver.references(resource.get("Properties", {}))
        if name not in resources
    }
    if missing:
        raise DeployFailed(f"references to resources that are not in the template or were skipped: {sorted(missing)}")
    order = list(TopologicalSorter(needs).static_order())
    through_apis = {name for name in resources if resources[name]["Type"] in standins.THROUGH_SERVICE_APIS}

    def all_needs(name: str, seen: set[str] | None = None) -> set[str]:
        seen = set() if seen is None else seen
        for needed in needs[name] - seen:
            seen.add(needed)
            all_needs(needed, seen)
        return seen

    before = [name for name in order if name in through_apis and not (all_needs(name) - through_apis)]
    after = [name for name in order if name in through_apis and name not in before]
    last = [name for name in order if name not in through_apis and all_needs(name) & set(after)]
    first = [name for name in order if name not in through_apis and name not in last]
    for name in after:
        if all_needs(name) & set(last):
            raise DeployFailed(f"{name} needs a resource that itself needs a resource created through the service APIs")
    return _Groups(before, first, after, last)


def _check_rules(template: Mapping[str, Any], resolver: Resolver) -> None:
    """The template's ``Rules`` (the CDK's bootstrap version check), as CloudFormation checks them before it creates anything."""
    for name, rule in template.get("Rules", {}).items():
        try:
            applies = resolver.condition(rule.get("RuleCondition", True), f"Rules.{name}.RuleCondition")
            for i, assertion in enumerate(rule.get("Assertions", []) if applies else []):
                if not resolver.condition(assertion["Assert"], f"Rules.{name}.Assertions[{i}]"):
                    raise DeployFailed(f"Rules.{name}: {assertion.get('AssertDescription', 'an assertion failed')}")
        except Unresolved as error:
            raise DeployFailed(str(error)) from None


def _availability_zones(clients: ClientsAt) -> list[str]:
    return [zone["ZoneName"] for zone in clients("ec2").describe_availability_zones()["AvailabilityZones"]]


def _parameters(template: Mapping[str, Any], clients: ClientsAt) -> dict[str, str]:
    values = {}
    for name, parameter in template.get("Parameters", {}).items():
        if parameter["Type"].startswith("AWS::SSM::Parameter::Value<"):
            values[name] = clients("ssm").get_parameter(Name=parameter["Default"])["Parameter"]["Value"]
        elif "Default" in parameter:
            values[name] = str(parameter["Default"])
        else:
            raise DeployFailed(f"Parameters.{name}: no default, and the emulator passes no parameter values")
    return values


def _create_through_apis(names: list[str], deployment: Deployment, clients: ClientsAt) -> None:
    for logical_id in names:
        resource = deployment.template["Resources"][logical_id]
        properties = deployment.resolver.resolve(resource.get("Properties", {}), f"{logical_id}.Properties")
        try:
            ref, values = creators.create(resource["Type"], logical_id, properties, deployment.stack_name, clients)
        except creators.UnknownProperty:
            raise
        except Exception as error:
            raise DeployFailed(f"{logical_id} ({resource['Type']}): {error}") from error
        deployment.resolver.refs[logical_id] = ref
        deployment.resolver.attributes[logical_id] = values
        deployment.created_by[logical_id] = "service API"


def _cloudformation(
    deployment: Deployment, resources: dict[str, Any], service_role: str, clients: ClientsAt, *, update: bool
) -> None:
    """Create (or update) the stack with ``resources``; what they need that the service APIs created becomes literal values."""
    resolver = deployment.resolver
    through_apis = {name for name, how in deployment.created_by.items() if how == "service API"}
    body: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": deployment.template.get("Parameters", {}),
        "Mappings": deployment.template.get("Mappings", {}),
        "Resources": {
            logical_id: _literal(resource, through_apis, resolver, logical_id) for logical_id, resource in resources.items()
        },
    }
    if update:
        body["Outputs"] = {
            name: _literal(output, through_apis, resolver, f"Outputs.{name}")
            for name, output in deployment.template.get("Outputs", {}).items()
        }
    for resource in body["Resources"].values():
        if "DependsOn" in resource:
            depends = resource["DependsOn"] if isinstance(resource["DependsOn"], list) else [resource["DependsOn"]]
            resource["DependsOn"] = [name for name in depends if name in resources]
    body = standins.for_moto_cloudformation(body, service_role)
    cloudformation = clients("cloudformation")
    arguments = {"StackName": deployment.stack_name, "TemplateBody": json.dumps(body), "Capabilities": ["CAPABILITY_IAM"]}
    try:
        (cloudformation.update_stack if update else cloudformation.create_stack)(**arguments)
    except Exception as error:
        raise DeployFailed(f"CloudFormation {'UpdateStack' if update else 'CreateStack'}: {error}") from error
    (stack,) = cloudformation.describe_stacks(StackName=deployment.stack_name)["Stacks"]
    if not stack["StackStatus"].endswith("_COMPLETE") or "ROLLBACK" in stack["StackStatus"]:
        raise DeployFailed(f"stack {deployment.stack_name}: {stack['StackStatus']} {stack.get('StackStatusReason', '')}")
    resolver.pseudo = {**resolver.pseudo, "AWS::StackId": stack["StackId"]}
    created_first = deployment.physical_ids
    created = {
        resource["LogicalResourceId"]: resource
        for resource in cloudformation.describe_stack_resources(StackName=deployment.stack_name)["StackResources"]
    }
    for logical_id, resource in resources.items():
        if logical_id not in created:
            raise DeployFailed(f"{logical_id} ({resource['Type']}): moto's CloudFormation did not create it")
        physical_id = created[logical_id]["PhysicalResourceId"]
        if update and deployment.created_by.get(logical_id) == "cloudformation":
            if created[logical_id]["ResourceStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
                raise DeployFailed(f"{logical_id}: {created[logical_id]['ResourceStatus']} after the stack's update")
            if physical_id != created_first.get(logical_id, physical_id):
                raise DeployFailed(f"{logical_id}: the stack's update replaced it ({created_first[logical_id]} -> {physical_id})")
            continue
        created_first[logical_id] = physical_id
        ref, values = attributes.of(resource["Type"], physical_id, clients)
        resolver.refs[logical_id] = ref
        resolver.attributes[logical_id] = values
        deployment.created_by[logical_id] = "cloudformation"


def _literal(value: Any, names: set[str], resolver: Resolver, where: str) -> Any:
    """``value`` with each reference to one of ``names`` replaced by what it resolves to."""
    if isinstance(value, list):
        return [_literal(item, names, resolver, where) for item in value]
    if not isinstance(value, dict):
        return value
    is_reference = len(value) == 1 and ("Ref" in value or "Fn::GetAtt" in value or "Fn::Sub" in value)
    if is_reference and resolver.references(value) & names:
        return resolver.resolve(value, where)
    return {key: _literal(item, names, resolver, where) for key, item in value.items()}
