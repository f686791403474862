"""BatchJobsStack: what it builds from a config (jobs, notifier, monitor, secrets, outputs), read from its templates."""

from __future__ import annotations

import json

from aws_cdk import App, Stack
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match, Template
from moto import mock_aws

from batch_stack.config import cluster_queue_by_capacity, load_config
from batch_stack.config_jobs import LOG_RETENTION_DAYS
from batch_stack.stack import _RETENTION, BatchJobsStack
from batchctl.names import from_outputs
from tests.conftest import DEFAULT_CONFIG
from tests.constructs.conftest import JOB, load, write
from tests.fake_batch import FakeBatch, submit_job_kwargs


def alarm_names(app) -> set[str]:
    return {a["Properties"]["AlarmName"] for a in app.resources("AWS::CloudWatch::Alarm").values()}


# --------------------------------------------------------------------------- the cluster and the jobs


def test_default_app_makes_the_queues_cluster_queue_by_capacity_names(default_app):
    queues = {q["Properties"]["JobQueueName"] for q in default_app.resources("AWS::Batch::JobQueue").values()}
    assert queues == set(cluster_queue_by_capacity(load_config(DEFAULT_CONFIG).cluster).values())


def test_default_app_synthesizes_the_three_jobs(default_app):
    definitions = {
        d["Properties"]["JobDefinitionName"]: d["Properties"] for d in default_app.resources("AWS::Batch::JobDefinition").values()
    }
    assert set(definitions) == {"update_recommendation", "train_classifier", "fetch_entries"}
    original = definitions["update_recommendation"]
    assert original["ContainerProperties"]["Command"] == ["/bin/sh", "/app/update_recommendation"]
    assert original["ContainerProperties"]["ResourceRequirements"] == [
        {"Type": "MEMORY", "Value": "2500"},
        {"Type": "VCPU", "Value": "1"},
    ]
    assert original["RetryStrategy"]["Attempts"] == 1
    assert definitions["fetch_entries"]["PlatformCapabilities"] == ["FARGATE"]
    expressions = {
        s["Properties"]["ScheduleExpression"] for s in default_app.resources("AWS::Scheduler::Schedule", under="Job").values()
    }
    assert expressions == {"rate(3 hours)", "cron(0 3 * * ? *)", "rate(1 hour)"}


def test_default_app_takes_db_credentials_from_secrets_manager_only(default_app):
    for definition in default_app.resources("AWS::Batch::JobDefinition").values():
        container = definition["Properties"]["ContainerProperties"]
        assert not [e for e in container.get("Environment", []) if e["Name"].startswith("DB_")]
        secrets = {s["Name"]: json.dumps(s["ValueFrom"]) for s in container["Secrets"]}
        assert set(secrets) == {"DB_USER", "DB_PASSWORD"}
        assert (
            ":secretsmanager:" in secrets["DB_PASSWORD"] and ":secret:go-active-learning/db:password::" in secrets["DB_PASSWORD"]
        )


def test_each_job_goes_to_the_queue_of_its_capacity(default_app):
    queues = {k: v["Properties"]["JobQueueName"] for k, v in default_app.resources("AWS::Batch::JobQueue").items()}
    by_job = {}
    for schedule in default_app.resources("AWS::Scheduler::Schedule", under="Job").values():
        role = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
        policy = next(
            p for p in default_app.resources("AWS::IAM::Policy").values() if p["Properties"]["Roles"] == [{"Ref": role}]
        )
        statement = next(
            s
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if s["Action"] in ("batch:SubmitJob", "lambda:InvokeFunction")
        )
        by_job[schedule["Properties"]["ScheduleExpression"]] = statement
    assert queues[by_job["rate(3 hours)"]["Resource"][0]["Fn::GetAtt"][0]] == "go-active-learning"
    assert queues[by_job["rate(1 hour)"]["Resource"][0]["Fn::GetAtt"][0]] == "go-active-learning-fargate"
    assert by_job["cron(0 3 * * ? *)"]["Action"] == "lambda:InvokeFunction"  # FORBID goes through the submit function
    (function,) = default_app.resources("AWS::Lambda::Function", under="Job").values()
    assert queues[function["Properties"]["Environment"]["Variables"]["JOB_QUEUE"]["Fn::GetAtt"][0]] == "go-active-learning-spot"


def test_default_app_allow_input_round_trips_through_moto_submit_job(default_app):
    """The update_recommendation schedule's input, resolved as CloudFormation would, is a valid SubmitJob request."""
    (schedule,) = [
        s["Properties"]
        for s in default_app.resources("AWS::Scheduler::Schedule").values()
        if s["Properties"]["ScheduleExpression"] == "rate(3 hours)"
    ]
    parts = schedule["Target"]["Input"]["Fn::Join"][1]
    resource_type = {k: v["Type"] for k, v in default_app.template_json["Resources"].items()}
    with mock_aws(config={"batch": {"use_docker": False}}):
        batch_api = FakeBatch(queue_name="go-active-learning", job_definition_name="update_recommendation")
        queue, definition = batch_api.queue, batch_api.definition
        physical = {"AWS::Batch::JobQueue": queue, "AWS::Batch::JobDefinition": definition}
        text = "".join(
            part
            if isinstance(part, str)
            else physical[resource_type[part["Fn::GetAtt"][0] if "Fn::GetAtt" in part else part["Ref"]]]
            for part in parts
        )
        request = json.loads(text.replace("<aws.scheduler.scheduled-time>", "2025-01-01T03:00:00Z"))
        job = batch_api.describe(batch_api.client.submit_job(**submit_job_kwargs(request))["jobId"])
    assert (job["jobName"], job["jobQueue"], job["jobDefinition"]) == ("update_recommendation", queue, definition)
    assert job["parameters"] == {"Arg2": "from-EventBridge-Scheduler", "scheduled_time": "2025-01-01T03:00:00Z"}


def test_stack_keeps_its_jobs_by_config_key(tmp_path):
    from aws_cdk import App

    from batch_stack import BatchJobsStack, ScheduledBatchJob

    config = load(tmp_path, JOB + "[jobs.train]\nimage = 'busybox'\nschedule = 'rate(2 days)'\ncapacity = 'spot'\n")
    stack = BatchJobsStack(App(), "Jobs", config=config)
    assert list(stack.jobs) == ["nightly", "train"]
    assert all(isinstance(job, ScheduledBatchJob) for job in stack.jobs.values())
    assert stack.jobs["train"].job_queue is stack.cluster.spot_job_queue
    assert stack.jobs["nightly"].job_queue is stack.cluster.job_queue


# --------------------------------------------------------------------------- the notifier


def test_disabled_notifier_builds_nothing(tmp_path):
    from aws_cdk import App
    from aws_cdk.assertions import Template

    from batch_stack.stack import BatchJobsStack

    config = load_config(write(tmp_path, "[notifier]\nenabled = false\n"))
    stack = BatchJobsStack(App(), "NoNotifier", config=config)
    assert stack.notifier is None
    template = Template.from_stack(stack)
    logical_ids = list(template.to_json()["Resources"])
    assert logical_ids and not [i for i in logical_ids if i.startswith("Notifier")]
    template.resource_count_is("AWS::SecretsManager::Secret", 0)


def test_default_app_deploys_the_notifier_for_every_cluster_queue(default_app):
    (rule,) = default_app.resources("AWS::Events::Rule", under="Notifier").values()
    job_branch = rule["Properties"]["EventPattern"]["$or"][0]
    queues = {ref["Fn::GetAtt"][0] for ref in job_branch["detail"]["jobQueue"]}
    assert queues == set(default_app.resources("AWS::Batch::JobQueue"))
    assert job_branch["detail"]["status"] == ["FAILED"]


def test_default_app_matches_its_own_alarms_by_stack_name_prefix(default_app):
    (rule,) = default_app.resources("AWS::Events::Rule", under="Notifier").values()
    prefixes = {
        json.dumps(branch["detail"]["alarmName"])
        for branch in rule["Properties"]["EventPattern"]["$or"]
        if branch["detail-type"] == ["CloudWatch Alarm State Change"]
    }
    assert prefixes == {json.dumps([{"prefix": "GoActiveLearningBatch-"}])}


def test_default_app_creates_the_webhook_secret_and_says_where_it_is(default_app):
    (logical_id,) = default_app.resources("AWS::SecretsManager::Secret")
    output = default_app.template_json["Outputs"]["NotifierWebhookSecretArn"]
    assert output["Value"] == {"Ref": logical_id}


def test_default_app_template_holds_no_webhook_url(default_app):
    text = default_app.text()
    assert "hooks.slack.com" not in text
    (function,) = [
        f
        for f in default_app.resources("AWS::Lambda::Function").values()
        if f["Properties"]["Handler"].startswith("notify_slack")
    ]
    variables = function["Properties"]["Environment"]["Variables"]
    assert set(variables) == {"POWERTOOLS_SERVICE_NAME", "WEBHOOK_SECRET_ID", "TIME_ZONE", "LOG_LINES", "POST_INTERVAL_SECONDS"}
    assert "Ref" in variables["WEBHOOK_SECRET_ID"]


def test_all_options_app_uses_the_named_secret(all_options_app):
    assert all_options_app.resources("AWS::SecretsManager::Secret", under="Notifier") == {}
    assert "secret:all-options/slack-webhook" in all_options_app.text()
    all_options_app.template.has_resource_properties(
        "AWS::Lambda::Function", {"Environment": {"Variables": {"TIME_ZONE": "Asia/Tokyo", "LOG_LINES": "20"}}}
    )


# --------------------------------------------------------------------------- the monitor


def test_monitoring_can_be_turned_off(tmp_path):
    config = load_config(write(tmp_path, "[monitoring]\nenabled = false\n"))
    stack = BatchJobsStack(App(), "Off", config=config)
    assert stack.monitor is None
    assert stack.node.try_find_child("Monitor") is None


def test_default_app_monitors_each_cluster_queue(default_app):
    names = alarm_names(default_app)
    for queue in ("go-active-learning", "go-active-learning-spot", "go-active-learning-fargate"):
        assert f"GoActiveLearningBatch-RunnableBacklog-{queue}" in names
        assert f"GoActiveLearningBatch-StuckRunnable-{queue}" in names
    assert all(name.startswith("GoActiveLearningBatch-") for name in names)


def test_default_app_counts_its_queues_every_minute(default_app):
    default_app.template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "queue_metrics.handler.handler",
            "Environment": {
                "Variables": Match.object_like({"POWERTOOLS_METRICS_NAMESPACE": "BatchJobs", "JOB_QUEUES": Match.any_value()})
            },
        },
    )
    default_app.template.has_resource_properties("AWS::Scheduler::Schedule", {"ScheduleExpression": "rate(1 minute)"})
    assert default_app.template_json["Outputs"]["MonitorDashboardName"]["Value"] == "GoActiveLearningBatch-batch-monitor"


def test_default_app_dashboard_searches_each_ec2_environments_ecs_cluster(default_app):
    (dashboard,) = default_app.resources("AWS::CloudWatch::Dashboard").values()
    body = default_app.text()
    assert body.count("ClusterName=AWSBatch-") == 2 * 4  # on-demand and spot (not Fargate) x four metrics
    assert dashboard["Properties"]["DashboardName"] == "GoActiveLearningBatch-batch-monitor"


def test_all_options_app_sends_alarms_to_an_e_mail_topic(all_options_app):
    template = all_options_app.template
    template.resource_count_is("AWS::SNS::Subscription", 2)
    template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"})
    (topic_id,) = all_options_app.resources("AWS::SNS::Topic")
    for alarm in all_options_app.resources("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]


def test_all_options_app_applies_queue_thresholds(all_options_app):
    names = alarm_names(all_options_app)
    assert "AllOptions-StuckRunnable-all-options-spot" not in names
    (spot_backlog,) = [
        a["Properties"]
        for a in all_options_app.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["AlarmName"] == "AllOptions-RunnableBacklog-all-options-spot"
    ]
    assert (spot_backlog["Threshold"], spot_backlog["EvaluationPeriods"]) == (200, 30)
    (main_backlog,) = [
        a["Properties"]
        for a in all_options_app.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["AlarmName"] == "AllOptions-RunnableBacklog-all-options"
    ]
    assert (main_backlog["Threshold"], main_backlog["EvaluationPeriods"]) == (50, 10)


def test_all_options_app_posts_to_mackerel_with_a_new_empty_secret_and_alarms_on_failed_posts(all_options_app):
    (secret_id,) = all_options_app.resources("AWS::SecretsManager::Secret")
    # Created empty, like the webhook secret: no generated value that every post would fail with unnoticed.
    assert "GenerateSecretString" not in all_options_app.resources("AWS::SecretsManager::Secret")[secret_id]["Properties"]
    (alarm,) = [
        a["Properties"]
        for a in all_options_app.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["AlarmName"] == "AllOptions-MackerelPostFailures-all-options"
    ]
    assert alarm["TreatMissingData"] == "notBreaching"
    # The notifier's rule reports the stack's alarms by name prefix: this one included.
    (rule,) = all_options_app.resources("AWS::Events::Rule", under="Notifier").values()
    prefixes = [
        branch["detail"]["alarmName"][0]["prefix"]
        for branch in rule["Properties"]["EventPattern"]["$or"]
        if branch["detail-type"] == ["CloudWatch Alarm State Change"]
    ]
    assert prefixes and all(alarm["AlarmName"].startswith(prefix) for prefix in prefixes)
    all_options_app.template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "queue_metrics.handler.handler",
            "Environment": {
                "Variables": Match.object_like(
                    {
                        "MACKEREL_SERVICE": "all-options",
                        "MACKEREL_API_KEY_SECRET": {"Ref": secret_id},
                        "POWERTOOLS_METRICS_NAMESPACE": "AllOptions/Batch",
                    }
                )
            },
        },
    )


# --------------------------------------------------------------------------- outputs: what batchctl reads


def resolve(node, template: dict, region: str = "ap-northeast-1"):
    """Resolve the intrinsics an output uses, with each resource's name property standing in for its Ref."""
    resources = template["Resources"]
    if isinstance(node, str | list):
        return node
    if "Ref" in node:
        if node["Ref"] == "AWS::Region":
            return region
        properties = resources[node["Ref"]].get("Properties", {})
        return properties.get("JobQueueName") or properties.get("LogGroupName") or f"generated-{node['Ref']}"
    if "Fn::GetAtt" in node and node["Fn::GetAtt"][1] == "JobQueueArn":
        name = resources[node["Fn::GetAtt"][0]]["Properties"]["JobQueueName"]
        return f"arn:aws:batch:{region}:123456789012:job-queue/{name}"
    if "Fn::Split" in node:
        separator, value = node["Fn::Split"]
        return resolve(value, template, region).split(separator)
    if "Fn::Select" in node:
        index, values = node["Fn::Select"]
        return resolve(values, template, region)[index]
    if "Fn::Join" in node:
        separator, parts = node["Fn::Join"]
        return separator.join(resolve(part, template, region) for part in parts)
    raise AssertionError(f"an output uses an intrinsic batchctl's test cannot resolve: {node}")


def test_batchctl_reads_the_default_stacks_outputs(default_app):
    template = default_app.template_json
    outputs = {key: resolve(output["Value"], template) for key, output in template["Outputs"].items()}
    names = from_outputs(outputs, "GoActiveLearningBatch")

    assert names.queues == ("go-active-learning", "go-active-learning-spot", "go-active-learning-fargate")
    assert set(names.jobs) == {"update_recommendation", "train_classifier", "fetch_entries"}
    original = names.job("update_recommendation")
    assert (original.job_name, original.job_queue, original.job_definition) == (
        "update_recommendation",
        "go-active-learning",
        "update_recommendation",
    )
    assert original.parameters == {"Arg2": "from-EventBridge-Scheduler"}
    assert names.job("train_classifier").concurrency_policy == "FORBID"
    assert names.job("train_classifier").job_queue == "go-active-learning-spot"
    assert names.job("fetch_entries").job_queue == "go-active-learning-fargate"
    assert original.log_group.startswith("generated-JobupdaterecommendationLogs")
    assert names.dashboard_url == (
        "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1"
        "#dashboards:name=GoActiveLearningBatch-batch-monitor"
    )


# --------------------------------------------------------------------------- log retention


def test_retention_gives_each_allowed_log_retention_its_number_of_days():
    """Every ``log_retention_days`` the config accepts has a RetentionDays member, which renders that many days."""
    assert sorted(_RETENTION) == sorted(LOG_RETENTION_DAYS)
    assert len(_RETENTION) == len(LOG_RETENTION_DAYS)
    stack = Stack(App(), "Retention")
    groups = {days: logs.LogGroup(stack, f"Days{days}", retention=retention) for days, retention in _RETENTION.items()}
    resources = Template.from_stack(stack).to_json()["Resources"]
    logical_ids = {days: stack.resolve(stack.get_logical_id(group.node.default_child)) for days, group in groups.items()}
    rendered = {days: resources[i].get("Properties", {}).get("RetentionInDays") for days, i in logical_ids.items()}
    assert rendered == {days: days for days in LOG_RETENTION_DAYS}
