"""[monitoring] and [mackerel]: their checks, and what the default and all-options apps deploy from them."""

from __future__ import annotations

import pytest
from aws_cdk import App
from aws_cdk.assertions import Match

from batch_stack.config import ConfigError, load_config, parse_config
from batch_stack.stack import BatchJobsStack
from tests.conftest import DEFAULT_CONFIG

JOBS = '[jobs.nightly]\nimage = "busybox"\nschedule = "rate(1 day)"\n[jobs.adhoc]\nimage = "busybox"\nschedule = "rate(1 day)"\n'


def write(tmp_path, text: str):
    path = tmp_path / "app.toml"
    path.write_text(text)
    return path


def alarm_names(app) -> set[str]:
    return {a["Properties"]["AlarmName"] for a in app.resources("AWS::CloudWatch::Alarm").values()}


# --------------------------------------------------------------------------- parsing


def test_monitoring_is_on_by_default_and_mackerel_off(tmp_path):
    config = load_config(write(tmp_path, ""))
    assert config.monitoring.enabled and config.monitoring.dashboard
    assert config.monitoring.namespace == "BatchJobs"
    assert (config.monitoring.runnable_backlog, config.monitoring.oldest_runnable_minutes) == (100, 30)
    assert config.mackerel is None


def test_default_config_monitors_with_the_documented_defaults():
    config = load_config(DEFAULT_CONFIG)
    assert config.monitoring.enabled
    assert config.monitoring.missed_run_multiple == 2.0
    assert config.monitoring.queue("go-active-learning-spot").runnable_backlog_minutes == 15


def test_queue_section_overrides_only_what_it_sets(tmp_path):
    config = load_config(
        write(
            tmp_path,
            "[cluster]\nspot = true\n[monitoring]\nrunnable_backlog = 40\n"
            "[monitoring.queues.batch-jobs-spot]\noldest_runnable_minutes = 0\n",
        )
    )
    spot = config.monitoring.queue("batch-jobs-spot")
    assert (spot.runnable_backlog, spot.runnable_backlog_minutes, spot.oldest_runnable_minutes) == (40, 15, 0)
    assert config.monitoring.queue("batch-jobs").oldest_runnable_minutes == 30


def test_job_section_sets_or_turns_off_the_missed_run_alarm(tmp_path):
    config = load_config(
        write(
            tmp_path,
            JOBS + "[monitoring]\nmissed_run_multiple = 2.5\n[monitoring.jobs.nightly]\nmissed_run_multiple = 4\n"
            "[monitoring.jobs.adhoc]\nmissed_run_multiple = 0\n",
        )
    )
    monitoring = config.monitoring
    assert (monitoring.missed_run_multiple_for("nightly"), monitoring.missed_run_multiple_for("adhoc")) == (4.0, None)
    assert monitoring.missed_run_multiple_for("other") == 2.5


def test_job_section_names_a_configured_job(tmp_path):
    with pytest.raises(
        ConfigError, match=r"monitoring\.jobs\.nightly = \{table\} is not allowed: expected one of the \[jobs\] tables \(adhoc\)"
    ):
        load_config(write(tmp_path, '[jobs.adhoc]\nimage = "busybox"\nschedule = "rate(1 day)"\n[monitoring.jobs.nightly]\n'))


def test_mackerel_section_needs_only_a_service(tmp_path):
    config = load_config(write(tmp_path, "[mackerel]\nservice = 'go-active-learning'\n"))
    assert config.mackerel is not None
    assert (config.mackerel.service, config.mackerel.api_key_secret, config.mackerel.base_url) == (
        "go-active-learning",
        None,
        "https://api.mackerelio.com",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[monitoring]\nnamespace = 'AWS/Batch'\n", r"monitoring\.namespace = 'AWS/Batch' is not allowed: 1-255 letters"),
        ("[monitoring]\nalarm_emails = ['ops']\n", r"monitoring\.alarm_emails\[0\] = 'ops' is not allowed: expected an e-mail"),
        (
            "[monitoring]\nrunnable_backlog = -1\n",
            r"monitoring\.runnable_backlog = -1 is not allowed: expected an integer from 0",
        ),
        (
            "[monitoring]\nrunnable_backlog_minutes = 0\n",
            r"monitoring\.runnable_backlog_minutes = 0 is not allowed: .*from 1 to 1440",
        ),
        ("[monitoring]\noldest_runnable_minutes = 2000\n", r"monitoring\.oldest_runnable_minutes = 2000 is not allowed"),
        (
            "[monitoring]\nmissed_run_multiple = 1\n",
            r"monitoring\.missed_run_multiple = 1\.0 is not allowed: expected a number above 1$",
        ),
        (
            "[monitoring]\nmissed_run_multiple = 0\n",
            r"monitoring\.missed_run_multiple = 0\.0 is not allowed: expected a number above 1$",
        ),
        ("[monitoring]\ndashboard = 'yes'\n", r"monitoring\.dashboard = 'yes' is not allowed: expected true or false"),
        ("[monitoring]\nrunable_backlog = 3\n", r"monitoring\.runable_backlog = 3 is not allowed: unknown key"),
        (
            "[monitoring.queues.other-queue]\nrunnable_backlog = 3\n",
            r"monitoring\.queues\.other-queue = \{table\} is not allowed: expected one of the cluster's queues: batch-jobs$",
        ),
        (
            "[monitoring.queues.batch-jobs]\nbacklog = 3\n",
            r"monitoring\.queues\.batch-jobs\.backlog = 3 is not allowed: unknown key",
        ),
        (
            "[monitoring.jobs.'bad name']\nmissed_run_multiple = 3\n",
            r"monitoring\.jobs\.bad name = \{table\} is not allowed: expected one of the \[jobs\] tables \(none\)",
        ),
        (
            JOBS + "[monitoring.jobs.nightly]\nmissed_run_multiple = 0.5\n",
            r"monitoring\.jobs\.nightly\.missed_run_multiple = 0\.5 is not allowed: "
            r"expected a number above 1 \(or 0 for no alarm\)",
        ),
        ("[mackerel]\nbase_url = 'https://x'\n", r"mackerel\.service = \(missing\) is not allowed: this key is required"),
        ("[mackerel]\nservice = 'x'\n", r"mackerel\.service = 'x' is not allowed: 2-63 letters"),
        (
            "[mackerel]\nservice = 'batch'\nbase_url = 'http://api.mackerelio.com'\n",
            r"mackerel\.base_url = .* expected an https:// URL",
        ),
        (
            "[mackerel]\nservice = 'batch'\napi_key_secret = 'my secret'\n",
            r"mackerel\.api_key_secret = 'my secret' .* secret name \(1-512 letters",
        ),
        ("[mackerel]\nservice = 'batch'\napikey = 'k'\n", r"mackerel\.apikey = 'k' is not allowed: unknown key"),
    ],
)
def test_each_mistake_is_one_line_naming_key_value_and_rule(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(write(tmp_path, text))
    assert "\n" not in str(caught.value)


def test_spot_and_fargate_queues_are_known_when_enabled():
    config = parse_config(
        {"cluster": {"name": "q", "spot": True, "fargate_spot": True}, "monitoring": {"queues": {"q-fargate": {}}}}, "inline"
    )
    assert "q-fargate" in config.monitoring.queues


def test_monitoring_can_be_turned_off(tmp_path):
    config = load_config(write(tmp_path, "[monitoring]\nenabled = false\n"))
    stack = BatchJobsStack(App(), "Off", config=config)
    assert stack.monitor is None
    assert stack.node.try_find_child("Monitor") is None


# --------------------------------------------------------------------------- the apps


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


def test_all_options_app_posts_to_mackerel_with_a_new_secret(all_options_app):
    (secret_id,) = all_options_app.resources("AWS::SecretsManager::Secret")
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
