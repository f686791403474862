"""emulator.attributes: what Ref and Fn::GetAtt give for a resource moto's CloudFormation created (fake clients here)."""

from __future__ import annotations

import pytest

from emulator.attributes import of

QUEUE_URL = "http://sqs.us-east-1.localhost.localstack.cloud:4566/123456789012/BatchStack-Notifications-ABC"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:BatchStack-Notifications-ABC"


class Sqs:
    def __init__(self) -> None:
        self.asked: list[dict] = []

    def get_queue_attributes(self, **kwargs):
        self.asked.append(kwargs)
        return {"Attributes": {"QueueArn": QUEUE_ARN}}


def test_a_queues_ref_is_its_url_and_its_attributes_come_from_the_api():
    # CloudFormation's AWS::SQS::Queue: Ref is the URL; Arn, QueueName and QueueUrl are its attributes.
    sqs = Sqs()
    ref, attributes = of("AWS::SQS::Queue", QUEUE_URL, {"sqs": sqs}.__getitem__)
    assert ref == QUEUE_URL
    assert attributes == {"Arn": QUEUE_ARN, "QueueName": "BatchStack-Notifications-ABC", "QueueUrl": QUEUE_URL}
    assert sqs.asked == [{"QueueUrl": QUEUE_URL, "AttributeNames": ["QueueArn"]}]


class Logs:
    def __init__(self, arn: str) -> None:
        self.arn = arn

    def describe_log_groups(self, logGroupNamePrefix):  # noqa: N803 (boto3's name)
        # DescribeLogGroups matches by prefix: a longer name with the same prefix comes back too.
        return {
            "logGroups": [
                {"logGroupName": f"{logGroupNamePrefix}-other", "arn": "arn:aws:logs:us-east-1:1:log-group:wrong:*"},
                {"logGroupName": logGroupNamePrefix, "arn": self.arn},
            ]
        }


GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/batch/job"


@pytest.mark.parametrize("api_arn", [GROUP_ARN, f"{GROUP_ARN}:*"])
def test_a_log_groups_arn_ends_with_a_star_as_cloudformation_gives_it(api_arn):
    # CloudFormation's AWS::Logs::LogGroup: Fn::GetAtt Arn is "arn:...:log-group:<name>:*".
    ref, attributes = of("AWS::Logs::LogGroup", "/aws/batch/job", {"logs": Logs(api_arn)}.__getitem__)
    assert ref == "/aws/batch/job"
    assert attributes == {"Arn": f"{GROUP_ARN}:*"}


@pytest.mark.parametrize(
    ("resource_type", "attribute"),
    [
        ("AWS::Batch::JobQueue", "JobQueueArn"),
        ("AWS::Batch::ComputeEnvironment", "ComputeEnvironmentArn"),
        ("AWS::Batch::JobDefinition", "JobDefinitionArn"),
    ],
)
def test_a_batch_resources_arn_attribute_is_its_physical_id(resource_type, attribute):
    arn = "arn:aws:batch:us-east-1:123456789012:job-queue/q"

    def clients(service):
        raise AssertionError(f"no API call is needed, asked for {service}")

    assert of(resource_type, arn, clients) == (arn, {attribute: arn})


def test_a_topics_name_is_the_last_part_of_its_arn():
    arn = "arn:aws:sns:us-east-1:123456789012:BatchStack-Alerts"
    assert of("AWS::SNS::Topic", arn, lambda service: None) == (arn, {"TopicArn": arn, "TopicName": "BatchStack-Alerts"})


def test_an_unknown_type_gives_its_physical_id_and_no_attributes():
    def clients(service):
        raise AssertionError("an unknown type reads nothing")

    assert of("AWS::Made::Up", "phys-1", clients) == ("phys-1", {})
