"""BatchQueueMonitor: gauge and outcome plumbing, each alarm's metric/threshold/missing data, the dashboard, checks."""

from __future__ import annotations

import json

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_batch as batch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match, Template
from moto.events.models import EventPattern

from batch_stack.monitoring import BatchQueueMonitor, MackerelOptions, QueueAlarms
from tests.lambdas.conftest import event, job_metrics_event

ACCOUNT_ARN = "arn:aws:{service}:us-east-1:123456789012:{resource}"


def arn(service: str, resource: str) -> str:
    return ACCOUNT_ARN.format(service=service, resource=resource)


def new_stack() -> Stack:
    return Stack(App(), "Jobs")


def queue(stack: Stack, name: str) -> batch.IJobQueue:
    return batch.JobQueue.from_job_queue_arn(stack, f"Queue-{name}", arn("batch", f"job-queue/{name}"))


class Monitored:
    def __init__(self) -> None:
        stack = new_stack()
        self.jobs = queue(stack, "jobs")
        self.spot = queue(stack, "jobs-spot")
        environment = batch.ManagedEc2EcsComputeEnvironment.from_managed_ec2_ecs_compute_environment_arn(
            stack, "Environment", arn("batch", "compute-environment/jobs-on-demand")
        )
        topic = sns.Topic.from_topic_arn(stack, "Topic", arn("sns", "batch-alarms"))
        secret = secretsmanager.Secret.from_secret_name_v2(stack, "MackerelKey", "mackerel-api-key")
        monitor = BatchQueueMonitor(
            stack,
            "Monitor",
            job_queues=[self.jobs],
            namespace="GoActiveLearning",
            alarm_topic=topic,
            compute_environments=[environment],
            mackerel=MackerelOptions(service="batch-jobs", api_key=secret),
        )
        monitor.watch_queue(
            self.spot, label="spot", alarms=QueueAlarms(runnable_backlog=None, oldest_runnable_age=Duration.hours(1))
        )
        monitor.watch_scheduled_job("update_recommendation", self.jobs, "rate(3 hours)")
        monitor.watch_scheduled_job("fetch_entries", self.jobs, "cron(0 9 ? * MON-FRI *)", "Asia/Tokyo")
        monitor.watch_scheduled_job("estimate_gmm", self.spot, "rate(1 day)", enabled=False)
        monitor.watch_scheduled_job("weekly_report", self.jobs, "cron(0 9 ? * MON *)")
        monitor.watch_dead_letter_queue(sqs.Queue.from_queue_arn(stack, "NotifierDlq", arn("sqs", "notifier-dlq")), "notifier")
        monitor.watch_function(
            lambda_.Function.from_function_arn(stack, "Notifier", arn("lambda", "function:notifier")), "notifier"
        )
        self.stack = stack
        self.monitor = monitor
        self.template = Template.from_stack(stack)
        self.alarms = self.template.find_resources("AWS::CloudWatch::Alarm")

    def alarm(self, name: str) -> dict:
        (found,) = [a["Properties"] for a in self.alarms.values() if a["Properties"]["AlarmName"] == f"Jobs-{name}"]
        return found

    def dashboard(self) -> dict:
        (resource,) = self.template.find_resources("AWS::CloudWatch::Dashboard").values()
        parts = resource["Properties"]["DashboardBody"]["Fn::Join"][1]
        return json.loads("".join(p if isinstance(p, str) else "TOKEN" for p in parts))


@pytest.fixture(scope="module")
def monitored() -> Monitored:
    return Monitored()


# --------------------------------------------------------------------------- gauges and outcomes


def test_gauge_lambda_runs_every_minute_on_a_scheduler_schedule_without_retries(monitored):
    monitored.template.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": "rate(1 minute)",
            "State": "ENABLED",
            "Target": {
                "Arn": {"Fn::GetAtt": [Match.string_like_regexp("MonitorQueueMetrics"), "Arn"]},
                "RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60},
            },
        },
    )


def test_gauge_lambda_counts_the_watched_queues_at_128_mb_within_the_minute(monitored):
    (function,) = [
        f["Properties"]
        for f in monitored.template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == "queue_metrics.handler.handler"
    ]
    assert function["MemorySize"] == 128 and function["Timeout"] < 60
    variables = function["Environment"]["Variables"]
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "GoActiveLearning"
    assert monitored.stack.resolve(variables["JOB_QUEUES"]) == "jobs,jobs-spot"


def test_gauge_lambda_may_only_list_jobs(monitored):
    monitored.template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": Match.string_like_regexp("MonitorQueueMetricsRole")}],
            "PolicyDocument": {"Statement": Match.array_with([{"Action": "batch:ListJobs", "Effect": "Allow", "Resource": "*"}])},
        },
    )


def test_mackerel_settings_and_secret_reach_the_gauge_lambda(monitored):
    monitored.template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "queue_metrics.handler.handler",
            "Environment": {
                "Variables": Match.object_like(
                    {
                        "MACKEREL_SERVICE": "batch-jobs",
                        "MACKEREL_BASE_URL": "https://api.mackerelio.com",
                        "MACKEREL_API_KEY_SECRET": Match.any_value(),
                    }
                )
            },
        },
    )
    monitored.template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                                "Resource": Match.any_value(),
                            }
                        )
                    ]
                )
            },
            "Roles": [{"Ref": Match.string_like_regexp("MonitorQueueMetricsRole")}],
        },
    )


def test_outcome_rule_takes_only_terminal_states_of_the_watched_queues(monitored):
    monitored.template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.batch"],
                "detail-type": ["Batch Job State Change"],
                "detail": {
                    "status": ["SUCCEEDED", "FAILED"],
                    "jobQueue": [arn("batch", "job-queue/jobs"), arn("batch", "job-queue/jobs-spot")],
                },
            },
            "Targets": [
                Match.object_like(
                    {
                        "Arn": {"Fn::GetAtt": [Match.string_like_regexp("MonitorJobStateEvents"), "Arn"]},
                        "DeadLetterConfig": Match.any_value(),
                    }
                )
            ],
        },
    )


@pytest.mark.parametrize(
    ("fixture", "matched"),
    [("array_child_succeeded", False), ("array_parent_succeeded", True), ("succeeded_ec2", True), ("eks_succeeded", True)],
)
def test_outcome_rule_reports_an_array_once_through_its_parent(monitored, fixture, matched):
    (rule,) = monitored.template.find_resources("AWS::Events::Rule", {"Properties": {"Targets": Match.any_value()}}).values()
    pattern = EventPattern.load(json.dumps(rule["Properties"]["EventPattern"]))
    event = job_metrics_event(fixture)
    event["detail"]["jobQueue"] = arn("batch", "job-queue/jobs")
    assert pattern.matches_event(event) is matched


def test_outcome_rule_leaves_out_service_jobs(monitored):
    """The documented SageMaker service-job event (another detail-type) is not a job outcome here."""
    (rule,) = monitored.template.find_resources("AWS::Events::Rule", {"Properties": {"Targets": Match.any_value()}}).values()
    pattern = EventPattern.load(json.dumps(rule["Properties"]["EventPattern"]))
    service_job = event("docs_service_job_succeeded")
    service_job["detail"]["jobQueue"] = arn("batch", "job-queue/jobs")
    assert not pattern.matches_event(service_job)
    assert pattern.matches_event({**service_job, "detail-type": "Batch Job State Change"})


def test_outcome_lambda_reads_the_event_queue_in_batches(monitored):
    monitored.template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "BatchSize": 100,
            "MaximumBatchingWindowInSeconds": 30,
            "EventSourceArn": {"Fn::GetAtt": [Match.string_like_regexp("MonitorJobStateEvents"), "Arn"]},
        },
    )
    monitored.template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "SqsManagedSseEnabled": True,
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": [Match.string_like_regexp("MonitorJobStateDeadLetters"), "Arn"]},
                "maxReceiveCount": 5,
            },
        },
    )


def test_outcome_lambda_hands_back_only_the_records_that_failed(monitored):
    monitored.template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": {"Fn::GetAtt": [Match.string_like_regexp("MonitorJobStateEvents"), "Arn"]},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )


def test_metric_methods_match_what_the_lambdas_publish(monitored):
    monitor, jobs = monitored.monitor, monitored.jobs
    runnable = monitor.metric_jobs(jobs, "RUNNABLE")
    assert (runnable.namespace, runnable.metric_name, runnable.dimensions) == (
        "GoActiveLearning",
        "RunnableJobs",
        {"JobQueue": "jobs"},
    )
    assert monitor.metric_oldest_runnable_age(jobs).metric_name == "OldestRunnableAgeSeconds"
    run = monitor.metric_run_seconds("update_recommendation", jobs)
    assert (run.metric_name, run.statistic, run.dimensions) == (
        "RunSeconds",
        "p90",
        {"JobQueue": "jobs", "JobName": "update_recommendation"},
    )
    names = [
        m("update_recommendation", jobs).metric_name
        for m in (monitor.metric_succeeded, monitor.metric_failed, monitor.metric_wait_seconds, monitor.metric_attempts)
    ]
    assert names == ["Succeeded", "Failed", "WaitSeconds", "Attempts"]


def test_metric_jobs_rejects_an_unknown_status(monitored):
    with pytest.raises(ValueError, match="status must be one of SUBMITTED"):
        monitored.monitor.metric_jobs(monitored.jobs, "SUCCEEDED")


# --------------------------------------------------------------------------- alarms


def metric_stat(alarm: dict) -> tuple[str, str, dict, int, str]:
    """(namespace, name, dimensions, period, statistic), whichever form CDK rendered the alarm in."""
    if "Metrics" in alarm:
        (query,) = alarm["Metrics"]
        stat = query["MetricStat"]
        metric = stat["Metric"]
        return (
            metric["Namespace"],
            metric["MetricName"],
            {d["Name"]: d["Value"] for d in metric["Dimensions"]},
            stat["Period"],
            stat["Stat"],
        )
    dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    statistic = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
    return alarm["Namespace"], alarm["MetricName"], dimensions, alarm["Period"], statistic


def test_backlog_alarm_fires_after_15_minutes_above_100_runnable_jobs(monitored):
    alarm = monitored.alarm("RunnableBacklog-jobs")
    assert metric_stat(alarm) == ("GoActiveLearning", "RunnableJobs", {"JobQueue": "jobs"}, 60, "Minimum")
    assert alarm["Threshold"] == 100
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (15, 15)
    assert alarm["TreatMissingData"] == "notBreaching"


def test_stuck_queue_alarm_fires_when_the_oldest_runnable_job_passes_30_minutes(monitored):
    alarm = monitored.alarm("StuckRunnable-jobs")
    assert metric_stat(alarm) == ("GoActiveLearning", "OldestRunnableAgeSeconds", {"JobQueue": "jobs"}, 60, "Maximum")
    assert alarm["Threshold"] == 1800
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["EvaluationPeriods"] == 1
    assert alarm["TreatMissingData"] == "notBreaching"


def test_per_queue_thresholds_override_and_turn_off_alarms(monitored):
    assert monitored.alarm("StuckRunnable-spot")["Threshold"] == 3600
    names = {a["Properties"]["AlarmName"] for a in monitored.alarms.values()}
    assert "Jobs-RunnableBacklog-spot" not in names


def test_missed_run_alarm_for_a_rate_treats_missing_data_as_breaching(monitored):
    alarm = monitored.alarm("MissedRun-update_recommendation")
    namespace, name, dimensions, period, statistic = metric_stat(alarm)
    assert (namespace, name, statistic) == ("GoActiveLearning", "Succeeded", "Sum")
    assert dimensions == {"JobQueue": "jobs", "JobName": "update_recommendation"}
    # rate(3 hours) x 2 = 6 hours: 72 periods of 5 minutes, every one without a success.
    assert (period, alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (300, 72, 72)
    assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "LessThanThreshold"
    assert alarm["TreatMissingData"] == "breaching"


def test_missed_run_alarm_for_a_cron_uses_its_longest_gap(monitored):
    alarm = monitored.alarm("MissedRun-fetch_entries")
    _, _, _, period, _ = metric_stat(alarm)
    # Weekdays at 09:00: Friday to Monday is 72 hours; x 2 = 144 hours of 1-hour periods.
    assert (period, alarm["EvaluationPeriods"]) == (3600, 144)
    assert alarm["TreatMissingData"] == "breaching"


def test_a_disabled_job_and_a_too_sparse_job_get_no_missed_run_alarm(monitored):
    names = {a["Properties"]["AlarmName"] for a in monitored.alarms.values()}
    assert "Jobs-MissedRun-estimate_gmm" not in names
    assert "Jobs-MissedRun-weekly_report" not in names
    Annotations.from_stack(monitored.stack).has_warning(
        "/Jobs/Monitor", Match.string_like_regexp("No missed-run alarm for job 'weekly_report'")
    )


def test_failed_mackerel_posts_alarm_after_15_minutes_and_missing_data_does_not(monitored):
    alarm = monitored.alarm("MackerelPostFailures-batch-jobs")
    namespace, name, dimensions, period, statistic = metric_stat(alarm)
    assert (namespace, name, dimensions, statistic) == (
        "GoActiveLearning",
        "MackerelPostFailures",
        {"MackerelService": "batch-jobs"},
        "Sum",
    )
    assert (period, alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (300, 3, 3)
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert alarm["TreatMissingData"] == "notBreaching"
    assert "3 5-minute periods in a row" in alarm["AlarmDescription"] and "starts empty" in alarm["AlarmDescription"]
    assert monitored.monitor.mackerel_alarm is not None


def test_no_mackerel_no_mackerel_alarm(quiet):
    names = [a["Properties"]["AlarmName"] for a in quiet.find_resources("AWS::CloudWatch::Alarm").values()]
    assert not [n for n in names if "Mackerel" in n]


def test_dead_letter_alarm_fires_on_any_visible_message(monitored):
    alarm = monitored.alarm("DeadLetters-notifier")
    namespace, name, dimensions, period, statistic = metric_stat(alarm)
    assert (namespace, name, dimensions, period, statistic) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": "notifier-dlq"},
        60,
        "Maximum",
    )
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert alarm["TreatMissingData"] == "notBreaching"


def test_function_error_alarms_cover_watched_and_own_functions(monitored):
    alarm = monitored.alarm("FunctionErrors-notifier")
    assert metric_stat(alarm) == ("AWS/Lambda", "Errors", {"FunctionName": "notifier"}, 300, "Sum")
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert alarm["TreatMissingData"] == "notBreaching"
    monitored.alarm("FunctionErrors-queue-metrics")
    monitored.alarm("FunctionErrors-job-metrics")
    monitored.alarm("DeadLetters-job-metrics")


def test_every_alarm_name_starts_with_the_stack_name_and_fits(monitored):
    names = [a["Properties"]["AlarmName"] for a in monitored.alarms.values()]
    # jobs: backlog + stuck; spot: stuck; two missed runs; three functions; two dead-letter queues; Mackerel
    assert len(names) == len(monitored.monitor.alarms) == 11
    for name in names:
        assert name.startswith("Jobs-") and len(name) <= 255


def test_every_alarm_also_goes_to_the_topic(monitored):
    for alarm in monitored.alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [arn("sns", "batch-alarms")]


def test_long_labels_are_cut_to_a_valid_unique_alarm_name(monitored):
    monitor = monitored.monitor
    long_a, long_b = "a" * 300, "a" * 299 + "b"
    name_a, name_b = monitor.alarm_name("MissedRun", long_a), monitor.alarm_name("MissedRun", long_b)
    assert len(name_a) == len(name_b) == 255
    assert name_a != name_b and name_a.startswith("Jobs-MissedRun-aaa")


# --------------------------------------------------------------------------- dashboard


def widgets_titled(dashboard: dict, prefix: str) -> list[dict]:
    return [w for w in dashboard["widgets"] if w["properties"].get("title", "").startswith(prefix)]


def test_dashboard_stacks_jobs_by_status_per_queue(monitored):
    (widget,) = widgets_titled(monitored.dashboard(), "Jobs by status: jobs")
    assert widget["properties"]["stacked"] is True
    names = [m[1] for m in widget["properties"]["metrics"]]
    assert names == ["SubmittedJobs", "PendingJobs", "RunnableJobs", "StartingJobs", "RunningJobs"]
    assert widgets_titled(monitored.dashboard(), "Jobs by status: spot")


def test_dashboard_graphs_the_ecs_cluster_through_a_search_on_its_name_prefix(monitored):
    widgets = widgets_titled(monitored.dashboard(), "ECS cluster")
    expressions = [m[0]["expression"] for w in widgets for m in w["properties"]["metrics"]]
    assert len(expressions) == 4
    for metric_name in ("CPUUtilization", "MemoryUtilization", "CPUReservation", "MemoryReservation"):
        assert (
            f"SEARCH('{{AWS/ECS,ClusterName}} MetricName=\"{metric_name}\" ClusterName=AWSBatch-jobs-on-demand', 'Average', 300)"
            in expressions
        )


def test_dashboard_has_native_batch_metrics_outcomes_and_health(monitored):
    dashboard = monitored.dashboard()
    (native,) = widgets_titled(dashboard, "AWS/Batch state transitions: jobs")
    assert {m[0] for m in native["properties"]["metrics"]} == {"AWS/Batch"}
    (run_time,) = widgets_titled(dashboard, "Run time (s): update_recommendation")
    assert [m[-1]["stat"] for m in run_time["properties"]["metrics"]] == ["p50", "p90", "Maximum"]
    assert widgets_titled(dashboard, "Wait before start (s): update_recommendation")
    assert widgets_titled(dashboard, "Outcomes: fetch_entries")
    (dead_letters,) = widgets_titled(dashboard, "Dead-letter queues")
    assert [m[-1]["label"] for m in dead_letters["properties"]["metrics"]] == ["job-metrics", "notifier"]
    assert widgets_titled(dashboard, "EventBridge Scheduler")


# --------------------------------------------------------------------------- switches and checks


@pytest.fixture(scope="module")
def quiet() -> Template:
    stack = new_stack()
    BatchQueueMonitor(
        stack,
        "Monitor",
        job_queues=[queue(stack, "jobs")],
        dashboard=False,
        function_error_alarms=False,
        dead_letter_alarms=False,
        queue_alarms=QueueAlarms(runnable_backlog=None, oldest_runnable_age=None),
    )
    return Template.from_stack(stack)


def test_dashboard_can_be_turned_off(quiet):
    quiet.resource_count_is("AWS::CloudWatch::Dashboard", 0)


def test_every_alarm_can_be_turned_off(quiet):
    quiet.resource_count_is("AWS::CloudWatch::Alarm", 0)
    quiet.resource_count_is("AWS::Scheduler::Schedule", 1)


def test_a_monitor_must_watch_a_queue():
    stack = new_stack()
    BatchQueueMonitor(stack, "Monitor", job_queues=[], dashboard=False)
    with pytest.raises(RuntimeError, match="watches no job queue"):
        Template.from_stack(stack)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"namespace": "AWS/Batch"}, "namespace must be .* got 'AWS/Batch'"),
        ({"namespace": "has space"}, "namespace must be"),
        ({"missed_run_multiple": 1}, r"missed_run_multiple must be more than 1 \(.*\), got 1"),
        ({"dashboard_name": "my dashboard"}, "dashboard_name must be .* got 'my dashboard'"),
        ({"queue_alarms": QueueAlarms(runnable_backlog=-1)}, "queue_alarms.runnable_backlog must be 0 or more jobs"),
        (
            {"queue_alarms": QueueAlarms(runnable_backlog_period=Duration.seconds(90))},
            "queue_alarms.runnable_backlog_period must be whole minutes from 1 to 1440",
        ),
        (
            {"queue_alarms": QueueAlarms(oldest_runnable_age=Duration.seconds(30))},
            "queue_alarms.oldest_runnable_age must be at least 1 minute, got 30 seconds",
        ),
    ],
)
def test_props_are_checked_at_synth(props, message):
    with pytest.raises(ValueError, match=rf"BatchQueueMonitor 'Monitor': {message}"):
        BatchQueueMonitor(new_stack(), "Monitor", job_queues=[], **props)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"service": "x"}, "mackerel.service must be 2-63"),
        ({"service": "batch", "base_url": "http://api.mackerelio.com"}, "mackerel.base_url must start with https://"),
    ],
)
def test_mackerel_options_are_checked(options, message):
    stack = new_stack()
    secret = secretsmanager.Secret.from_secret_name_v2(stack, "Key", "mackerel")
    with pytest.raises(ValueError, match=message):
        BatchQueueMonitor(stack, "Monitor", job_queues=[], mackerel=MackerelOptions(api_key=secret, **options))


@pytest.fixture
def bare():
    stack = new_stack()
    return BatchQueueMonitor(stack, "Monitor", job_queues=[], dashboard=False), queue(stack, "jobs")


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("nightly", "rate(0 minutes)"), {}, "schedule_expression of job 'nightly' must be a recurring rate or cron"),
        (("nightly", "cron(0 9 * * MON *)"), {}, "exactly one of day-of-month and day-of-week; the other must be '\\?'"),
        (("nightly", "at(2026-03-01T00:00:00)"), {}, "one-time schedule"),
        (("nightly", "cron(0 9 * * ? *)", "Mars/Olympus"), {}, "not an IANA time zone"),
        (("nightly", "rate(1 hour)"), {"missed_run_multiple": 0.5}, "missed_run_multiple of job 'nightly' must be more than 1"),
        (("bad name", "rate(1 hour)"), {}, "job_name must be 1-128 letters"),
    ],
)
def test_scheduled_job_inputs_are_checked(bare, args, kwargs, message):
    monitor, jobs = bare
    job_name, *rest = args
    with pytest.raises(ValueError, match=message):
        monitor.watch_scheduled_job(job_name, jobs, *rest, **kwargs)


def test_a_queue_or_job_cannot_be_watched_twice(bare):
    monitor, jobs = bare
    monitor.watch_queue(jobs)
    with pytest.raises(ValueError, match="queue label 'jobs' is already watched"):
        monitor.watch_queue(jobs)
    monitor.watch_scheduled_job("nightly", jobs, "rate(1 day)")
    with pytest.raises(ValueError, match="job 'nightly' on queue 'jobs' is already watched"):
        monitor.watch_scheduled_job("nightly", jobs, "rate(1 day)")


# --------------------------------------------------------------------------- watch_job


def test_watch_job_reads_the_jobs_name_queue_schedule_and_time_zone():
    from aws_cdk import aws_ecs as ecs

    from batch_stack import ScheduledBatchJob

    stack = new_stack()
    jobs = queue(stack, "jobs")
    image = ecs.ContainerImage.from_registry("busybox:1.37")
    allow = ScheduledBatchJob(
        stack, "Nightly", job_queue=jobs, image=image, schedule="cron(0 9 ? * MON-FRI *)", time_zone="Asia/Tokyo"
    )
    forbid = ScheduledBatchJob(
        stack, "Train", job_queue=jobs, image=image, schedule="rate(1 day)", job_name="train", concurrency_policy="FORBID"
    )
    paused = ScheduledBatchJob(stack, "Paused", job_queue=jobs, image=image, schedule="rate(1 hour)", enabled=False)
    monitor = BatchQueueMonitor(stack, "Monitor", dashboard=False)
    monitor.watch_queue(jobs)
    alarm = monitor.watch_job(allow)
    monitor.watch_job(forbid, label="training", missed_run_multiple=3)
    assert monitor.watch_job(paused) is None  # a suspended job misses no run

    assert alarm is monitor.missed_run_alarms["Nightly"]
    alarms = {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()
    }
    # The weekend is the longest gap of a weekday cron: 72 hours x 2, in 1-hour periods.
    assert alarms["Jobs-MissedRun-Nightly"]["EvaluationPeriods"] == 144
    # missed_run_multiple=3 of a daily rate: 72 hours in 1-hour periods.
    assert alarms["Jobs-MissedRun-train"]["EvaluationPeriods"] == 72
    assert {
        "Jobs-DeadLetters-schedule-Nightly",
        "Jobs-DeadLetters-schedule-training",
        "Jobs-FunctionErrors-submit-training",
    } <= set(alarms)
    assert "Jobs-FunctionErrors-submit-Nightly" not in alarms  # ALLOW has no submit function
    assert "Jobs-MissedRun-Paused" not in alarms and "Jobs-DeadLetters-schedule-Paused" in alarms


def test_job_queues_default_to_none_until_one_is_watched():
    stack = new_stack()
    monitor = BatchQueueMonitor(stack, "Monitor")
    assert monitor.watched_queues == {}
    monitor.watch_queue(queue(stack, "jobs"))
    assert list(monitor.watched_queues) == ["jobs"]
