"""What ``Ref`` and ``Fn::GetAtt`` give for a created resource, read back from the emulator through the service APIs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Clients = Callable[[str], Any]


def of(resource_type: str, physical_id: str, clients: Clients) -> tuple[str, dict[str, Any]]:
    """``(Ref, attributes)`` of a resource moto's CloudFormation created, as CloudFormation documents them per type."""
    reader = _READERS.get(resource_type)
    attributes = reader(physical_id, clients) if reader else {}
    return attributes.pop("Ref", physical_id), attributes


def _role(name: str, clients: Clients) -> dict[str, Any]:
    role = clients("iam").get_role(RoleName=name)["Role"]
    return {"Arn": role["Arn"], "RoleId": role["RoleId"]}


def _instance_profile(name: str, clients: Clients) -> dict[str, Any]:
    return {"Arn": clients("iam").get_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Arn"]}


def _queue(url: str, clients: Clients) -> dict[str, Any]:
    arn = clients("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return {"Arn": arn, "QueueName": url.rsplit("/", 1)[-1], "QueueUrl": url}


def _function(name: str, clients: Clients) -> dict[str, Any]:
    return {"Arn": clients("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]}


def _log_group(name: str, clients: Clients) -> dict[str, Any]:
    (group,) = [g for g in clients("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name]
    arn = group["arn"]
    return {"Arn": arn if arn.endswith(":*") else f"{arn}:*"}


def _rule(name: str, clients: Clients) -> dict[str, Any]:
    return {"Arn": clients("events").describe_rule(Name=name)["Arn"]}


def _vpc(vpc_id: str, clients: Clients) -> dict[str, Any]:
    ec2 = clients("ec2")
    (vpc,) = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    return {"CidrBlock": vpc["CidrBlock"], "DefaultSecurityGroup": groups[0]["GroupId"], "VpcId": vpc_id}


def _security_group(group_id: str, clients: Clients) -> dict[str, Any]:
    (group,) = clients("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    return {"GroupId": group_id, "VpcId": group.get("VpcId", "")}


def _subnet(subnet_id: str, clients: Clients) -> dict[str, Any]:
    (subnet,) = clients("ec2").describe_subnets(SubnetIds=[subnet_id])["Subnets"]
    return {"SubnetId": subnet_id, "AvailabilityZone": subnet["AvailabilityZone"], "VpcId": subnet["VpcId"]}


def _topic(arn: str, clients: Clients) -> dict[str, Any]:
    return {"TopicArn": arn, "TopicName": arn.rsplit(":", 1)[-1]}


_READERS: dict[str, Callable[[str, Clients], dict[str, Any]]] = {
    "AWS::IAM::Role": _role,
    "AWS::IAM::InstanceProfile": _instance_profile,
    "AWS::SQS::Queue": _queue,
    "AWS::Lambda::Function": _function,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::Events::Rule": _rule,
    "AWS::EC2::VPC": _vpc,
    "AWS::EC2::SecurityGroup": _security_group,
    "AWS::EC2::Subnet": _subnet,
    "AWS::SNS::Topic": _topic,
    # Ref of a Batch queue, environment or job definition is its ARN; the ARN attributes are the same.
    "AWS::Batch::JobQueue": lambda arn, clients: {"JobQueueArn": arn},
    "AWS::Batch::ComputeEnvironment": lambda arn, clients: {"ComputeEnvironmentArn": arn},
    "AWS::Batch::JobDefinition": lambda arn, clients: {"JobDefinitionArn": arn},
}
