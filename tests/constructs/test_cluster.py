"""BatchCluster: VPC, compute environments, queues, grants and synth-time checks."""

from __future__ import annotations

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_batch as batch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from batch_stack import BatchCluster, RunnableTimeLimit


def make(**props) -> tuple[Stack, BatchCluster]:
    stack = Stack(App(), "Test")
    return stack, BatchCluster(stack, "Cluster", **props)


@pytest.fixture(scope="module")
def default_cluster() -> tuple[BatchCluster, Template]:
    stack, cluster = make(name="jobs")
    return cluster, Template.from_stack(stack)


def test_creates_a_vpc_with_public_subnets_no_nat_and_flow_logs(default_cluster):
    _, template = default_cluster
    template.resource_count_is("AWS::EC2::VPC", 1)
    template.resource_count_is("AWS::EC2::Subnet", 2)
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    template.has_resource_properties("AWS::EC2::Subnet", {"MapPublicIpOnLaunch": True})
    template.has_resource_properties("AWS::EC2::FlowLog", {"TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"})


def test_on_demand_environment_scales_to_zero_with_optimal_instances(default_cluster):
    _, template = default_cluster
    template.has_resource_properties(
        "AWS::Batch::ComputeEnvironment",
        {
            "Type": "managed",
            "ComputeResources": Match.object_like(
                {
                    "Type": "EC2",
                    "MinvCpus": 0,
                    "MaxvCpus": 256,
                    "InstanceTypes": ["optimal"],
                    "AllocationStrategy": "BEST_FIT_PROGRESSIVE",
                }
            ),
        },
    )
    template.resource_count_is("AWS::Batch::ComputeEnvironment", 1)


def test_queue_cancels_jobs_stuck_on_an_impossible_resource_requirement(default_cluster):
    _, template = default_cluster
    template.has_resource_properties(
        "AWS::Batch::JobQueue",
        {
            "JobQueueName": "jobs",
            "Priority": 1,
            "JobStateTimeLimitActions": [
                {
                    "Action": "CANCEL",
                    "MaxTimeSeconds": 1800,
                    "Reason": "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT",
                    "State": "RUNNABLE",
                }
            ],
        },
    )


def test_exposes_its_parts(default_cluster):
    cluster, _ = default_cluster
    assert cluster.job_queues == [cluster.job_queue]
    assert cluster.spot_job_queue is None and cluster.fargate_job_queue is None
    assert len(cluster.compute_environments) == 1
    assert cluster.security_group is not None and cluster.vpc is not None


def test_spot_environment_comes_before_on_demand_in_the_spot_queue():
    stack, cluster = make(name="jobs", spot=True)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Batch::ComputeEnvironment",
        {"ComputeResources": Match.object_like({"Type": "SPOT", "AllocationStrategy": "SPOT_PRICE_CAPACITY_OPTIMIZED"})},
    )
    spot_id = stack.resolve(cluster.spot_environment.compute_environment_arn)
    on_demand_id = stack.resolve(cluster.on_demand_environment.compute_environment_arn)
    template.has_resource_properties(
        "AWS::Batch::JobQueue",
        {
            "JobQueueName": "jobs-spot",
            "ComputeEnvironmentOrder": [
                {"ComputeEnvironment": spot_id, "Order": 1},
                {"ComputeEnvironment": on_demand_id, "Order": 2},
            ],
        },
    )


def test_spot_queue_without_fallback_has_only_spot():
    stack, cluster = make(name="jobs", spot=True, spot_on_demand_fallback=False)
    template = Template.from_stack(stack)
    spot_id = stack.resolve(cluster.spot_environment.compute_environment_arn)
    template.has_resource_properties(
        "AWS::Batch::JobQueue",
        {"JobQueueName": "jobs-spot", "ComputeEnvironmentOrder": [{"ComputeEnvironment": spot_id, "Order": 1}]},
    )


def test_fargate_queue_puts_fargate_spot_first():
    stack, cluster = make(name="jobs", fargate=True, fargate_spot=True, fargate_max_vcpus=16)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Batch::ComputeEnvironment", {"ComputeResources": Match.object_like({"Type": "FARGATE_SPOT", "MaxvCpus": 16})}
    )
    fargate_spot = stack.resolve(cluster.fargate_spot_environment.compute_environment_arn)
    fargate = stack.resolve(cluster.fargate_environment.compute_environment_arn)
    template.has_resource_properties(
        "AWS::Batch::JobQueue",
        {
            "JobQueueName": "jobs-fargate",
            "ComputeEnvironmentOrder": [
                {"ComputeEnvironment": fargate_spot, "Order": 1},
                {"ComputeEnvironment": fargate, "Order": 2},
            ],
        },
    )
    assert len(cluster.job_queues) == 2


def test_uses_an_existing_vpc_instead_of_creating_one():
    stack = Stack(App(), "Test")
    vpc = ec2.Vpc(stack, "Existing", max_azs=2, nat_gateways=1)
    cluster = BatchCluster(stack, "Cluster", vpc=vpc)
    assert cluster.vpc is vpc
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::VPC", 1)
    template.resource_count_is("AWS::EC2::FlowLog", 0)


def test_instance_families_and_types_are_passed_through():
    stack, _ = make(instance_types=["c7i", "m7i.large"])
    Template.from_stack(stack).has_resource_properties(
        "AWS::Batch::ComputeEnvironment", {"ComputeResources": Match.object_like({"InstanceTypes": ["m7i.large", "c7i"]})}
    )


def test_runnable_time_limits_can_be_turned_off():
    stack, _ = make(runnable_time_limits=[])
    queue = Template.from_stack(stack).find_resources("AWS::Batch::JobQueue")
    (properties,) = [q["Properties"] for q in queue.values()]
    assert "JobStateTimeLimitActions" not in properties


def test_runnable_time_limit_is_configurable():
    limit = RunnableTimeLimit(
        reason=batch.JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE, max_time=Duration.hours(2)
    )
    stack, _ = make(runnable_time_limits=[limit])
    Template.from_stack(stack).has_resource_properties(
        "AWS::Batch::JobQueue",
        {
            "JobStateTimeLimitActions": [
                Match.object_like({"MaxTimeSeconds": 7200, "Reason": "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE"})
            ]
        },
    )


def test_grant_submit_job_scopes_to_the_queue_and_every_revision_of_one_definition():
    stack, cluster = make(name="jobs")
    job_definition = batch.EcsJobDefinition(
        stack,
        "Def",
        job_definition_name="nightly",
        container=batch.EcsEc2ContainerDefinition(
            stack,
            "Container",
            image=__import__("aws_cdk").aws_ecs.ContainerImage.from_registry("busybox"),
            cpu=1,
            memory=__import__("aws_cdk").Size.mebibytes(512),
        ),
    )
    role = iam.Role(stack, "Submitter", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    cluster.grant_submit_job(role, job_definition)
    template = Template.from_stack(stack)
    statements = [
        s
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "batch:SubmitJob"
    ]
    assert len(statements) == 1
    resources = statements[0]["Resource"]
    assert resources[0] == stack.resolve(cluster.job_queue.job_queue_arn)
    definition_arn = __import__("json").dumps(resources[1])
    assert ":job-definition/" in definition_arn and ':*"' in definition_arn
    assert "Def" in definition_arn  # the name comes from this definition, not a wildcard


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"min_vcpus": 8, "max_vcpus": 4}, r"BatchCluster 'Cluster': max_vcpus \(4\) must be at least min_vcpus \(8\)"),
        ({"min_vcpus": -1}, r"min_vcpus must be at least 0, got -1"),
        ({"spot_max_vcpus": 0, "spot": True}, r"spot_max_vcpus must be at least 1, got 0"),
        ({"name": "bad name"}, r"name must be 1-128 letters, digits, '-' and '_'.*got 'bad name'"),
        ({"name": "x" * 125, "spot": True}, r"name must be .*with its '-spot'/'-fargate' suffix"),
        ({"instance_types": []}, r"instance_types must name at least one"),
        ({"instance_types": ["optimal", "default_arm64"]}, r"cannot mix 'optimal' with"),
        ({"instance_types": ["zz9"]}, r"instance_types has 'zz9': .* no instance family 'zz9' among the \d+ types of botocore"),
        ({"queue_priority": 1001}, r"queue_priority must be from 0 to 1000, got 1001"),
        ({"max_vcpus": 0}, r"max_vcpus must be at least 1, got 0"),
        ({"spot_on_demand_fallback": True}, r"spot_on_demand_fallback applies only with spot=True, got True with spot=False"),
        (
            {"runnable_time_limits": [RunnableTimeLimit(max_time=Duration.minutes(5))]},
            r"from 10 to 1440 minutes \(AWS Batch's range\), got 5 minutes",
        ),
    ],
)
def test_invalid_props_fail_with_a_clear_message(props, message):
    with pytest.raises(ValueError, match=message):
        make(**props)


def test_types_and_families_aws_cdk_lib_cannot_name_are_written_as_batch_takes_them():
    """botocore knows g6f and p6-b200.48xlarge; aws-cdk-lib 2.275's InstanceClass and type parser do not."""
    stack, _ = make(instance_types=["g6f", "p6-b200.48xlarge", "c7i"])
    Template.from_stack(stack).has_resource_properties(
        "AWS::Batch::ComputeEnvironment",
        {"ComputeResources": Match.object_like({"InstanceTypes": ["g6f", "p6-b200.48xlarge", "c7i"]})},
    )


def test_types_aws_cdk_lib_names_are_left_to_it():
    """CDK renders its types before its classes: the order shows no override wrote them."""
    stack, _ = make(instance_types=["c7i", "m7i.large"])
    Template.from_stack(stack).has_resource_properties(
        "AWS::Batch::ComputeEnvironment", {"ComputeResources": Match.object_like({"InstanceTypes": ["m7i.large", "c7i"]})}
    )


# --------------------------------------------------------------------------- outbound traffic


def security_group_egress(template: Template) -> list[dict]:
    (group,) = template.find_resources("AWS::EC2::SecurityGroup").values()
    return group["Properties"]["SecurityGroupEgress"]


def warnings(stack: Stack) -> list[str]:
    from aws_cdk.assertions import Annotations

    return [str(w.entry.data) for w in Annotations.from_stack(stack).find_warning("*", Match.any_value())]


def test_by_default_the_compute_may_reach_anything(default_cluster):
    _, template = default_cluster
    assert security_group_egress(template) == [
        {"CidrIp": "0.0.0.0/0", "Description": "Allow all outbound traffic by default", "IpProtocol": "-1"}
    ]


def test_without_all_outbound_only_https_and_the_rules_added_are_allowed():
    stack, cluster = make(allow_all_outbound=False)
    cluster.security_group.add_egress_rule(ec2.Peer.ipv4("10.0.0.0/8"), ec2.Port.tcp(5432), "the database")
    egress = security_group_egress(Template.from_stack(stack))
    assert [(rule["CidrIp"], rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) for rule in egress] == [
        ("0.0.0.0/0", "tcp", 443, 443),
        ("10.0.0.0/8", "tcp", 5432, 5432),
    ]
    assert not any("Egress" in warning for warning in warnings(stack))


def test_an_egress_rule_added_to_an_all_outbound_group_is_the_cdk_warning_the_prop_avoids():
    """Why the prop exists: with all outbound allowed, CDK ignores an added rule and warns at synth."""
    stack, cluster = make()
    cluster.security_group.add_egress_rule(ec2.Peer.ipv4("10.0.0.0/8"), ec2.Port.tcp(5432))
    assert any("Ignoring Egress rule" in warning for warning in warnings(stack))
