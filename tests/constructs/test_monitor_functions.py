"""The monitor's functions in its scope: the gauge, its schedule, the outcome function and its rule."""

from __future__ import annotations

from aws_cdk import App, Stack
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from batch_stack import monitor_functions as parts
from batch_stack_lambdas.queue_metrics import mackerel


def test_the_mackerel_default_api_is_the_one_the_function_uses():
    assert parts.DEFAULT_MACKEREL_BASE_URL == mackerel.DEFAULT_BASE_URL
    assert parts.MackerelOptions.__dataclass_fields__["base_url"].default == mackerel.DEFAULT_BASE_URL


def test_the_gauge_counts_queues_named_after_it_was_made():
    stack = Stack(App(), "Jobs")
    names: list[str] = ["jobs"]
    parts.gauge_function(stack, namespace="NS", queue_names=names, mackerel=None)
    names.append("jobs-spot")  # watch_queue after construction
    (function,) = Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["JOB_QUEUES"] == "jobs,jobs-spot"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "NS"
    assert "MACKEREL_SERVICE" not in variables


def test_the_gauge_reads_the_mackerel_key_it_is_given():
    stack = Stack(App(), "Jobs")
    key = secretsmanager.Secret(stack, "Key")
    options = parts.MackerelOptions(service="batch", api_key=key, base_url="https://mackerel.example")
    parts.gauge_function(stack, namespace="NS", queue_names=["jobs"], mackerel=options)
    template = Template.from_stack(stack)
    (function,) = template.find_resources("AWS::Lambda::Function").values()
    variables = function["Properties"]["Environment"]["Variables"]
    assert (variables["MACKEREL_SERVICE"], variables["MACKEREL_BASE_URL"]) == ("batch", "https://mackerel.example")
    assert "secretsmanager:GetSecretValue" in str(template.find_resources("AWS::IAM::Policy"))


def test_the_gauge_schedule_fires_every_minute_without_retries():
    stack = Stack(App(), "Jobs")
    function = parts.gauge_function(stack, namespace="NS", queue_names=["jobs"], mackerel=None)
    parts.gauge_schedule(stack, function)
    (schedule,) = Template.from_stack(stack).find_resources("AWS::Scheduler::Schedule").values()
    assert schedule["Properties"]["ScheduleExpression"] == "rate(1 minute)"
    assert schedule["Properties"]["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 0


def test_outcomes_come_from_terminal_job_events_through_the_queue():
    stack = Stack(App(), "Jobs")
    queue, dead_letters = sqs.Queue(stack, "Events"), sqs.Queue(stack, "DeadLetters")
    parts.outcome_function(stack, namespace="NS", queue=queue)
    parts.outcome_rule(stack, queue=queue, dead_letter_queue=dead_letters)
    template = Template.from_stack(stack)
    (rule,) = template.find_resources("AWS::Events::Rule").values()
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["detail-type"] == ["Batch Job State Change"]
    assert pattern["detail"]["status"] == ["SUCCEEDED", "FAILED"]
    (mapping,) = template.find_resources("AWS::Lambda::EventSourceMapping").values()
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
