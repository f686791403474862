"""The yardstick for synth time: the original setup written by hand, as plainly as CDK allows.

VPC, one managed EC2 compute environment, a job queue, a container job definition,
a scheduled rule with an inline Lambda that submits the job, and a FAILED-job rule with
an inline Lambda that posts to Slack. No constructs of this project are used.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_batch as batch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_

SUBMIT_CODE = """
import os, boto3
from datetime import datetime
def lambda_handler(event, context):
    return boto3.client('batch').submit_job(jobName=os.environ['JOB_NAME'], jobQueue=os.environ['JOB_QUEUE'],
        jobDefinition=os.environ['JOB_DEFINITION'], parameters={'Arg1': datetime.now().isoformat()})['jobId']
"""
NOTIFY_CODE = """
import json, os, urllib.request
def handler(event, context):
    body = json.dumps({'text': json.dumps(event['detail'].get('parameters', {}))}).encode()
    urllib.request.urlopen(urllib.request.Request(os.environ['SLACK_WEBHOOK_URL'], data=body, method='POST'))
"""


def build() -> cdk.App:
    app = cdk.App()
    stack = cdk.Stack(app, "HandWritten")
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC)],
    )
    environment = batch.ManagedEc2EcsComputeEnvironment(stack, "Compute", vpc=vpc, maxv_cpus=256, minv_cpus=0)
    queue = batch.JobQueue(stack, "Queue", job_queue_name="go-active-learning", priority=1)
    queue.add_compute_environment(environment, 1)
    definition = batch.EcsJobDefinition(
        stack,
        "Definition",
        job_definition_name="update_recommendation",
        retry_attempts=1,
        container=batch.EcsEc2ContainerDefinition(
            stack,
            "Container",
            image=ecs.ContainerImage.from_registry("go-active-learning:latest"),
            command=["/bin/sh", "/app/update_recommendation"],
            cpu=1,
            memory=cdk.Size.mebibytes(2500),
        ),
    )
    submit = lambda_.Function(
        stack,
        "Submit",
        runtime=lambda_.Runtime.PYTHON_3_14,
        handler="index.lambda_handler",
        code=lambda_.Code.from_inline(SUBMIT_CODE),
        environment={
            "JOB_NAME": "update_recommendation",
            "JOB_QUEUE": queue.job_queue_name,
            "JOB_DEFINITION": definition.job_definition_arn,
        },
    )
    events.Rule(
        stack, "Every3Hours", schedule=events.Schedule.rate(cdk.Duration.hours(3)), targets=[targets.LambdaFunction(submit)]
    )
    notify = lambda_.Function(
        stack,
        "Notify",
        runtime=lambda_.Runtime.PYTHON_3_14,
        handler="index.handler",
        code=lambda_.Code.from_inline(NOTIFY_CODE),
        environment={"SLACK_WEBHOOK_URL": "https://example.invalid/webhook"},
    )
    events.Rule(
        stack,
        "Failed",
        event_pattern=events.EventPattern(
            source=["aws.batch"],
            detail_type=["Batch Job State Change"],
            detail={"jobQueue": [queue.job_queue_arn], "status": ["FAILED"]},
        ),
        targets=[targets.LambdaFunction(notify)],
    )
    return app


if __name__ == "__main__":
    build().synth()
