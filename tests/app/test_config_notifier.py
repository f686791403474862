"""The [notifier] config section, and the notifier the default app deploys from it."""

from __future__ import annotations

import json

import pytest

from batch_stack.config import ConfigError, NotifierSettings, load_config
from tests.conftest import ALL_OPTIONS_CONFIG, DEFAULT_CONFIG


def write(tmp_path, text: str):
    path = tmp_path / "app.toml"
    path.write_text(text)
    return path


def test_no_section_gives_the_defaults(tmp_path):
    settings = load_config(write(tmp_path, "")).notifier
    assert settings == NotifierSettings()
    assert settings.enabled and settings.statuses == ("FAILED",) and settings.time_zone == "UTC"
    assert (settings.log_lines, settings.max_concurrency, settings.webhook_secret_name) == (10, 2, None)


def test_default_app_config_turns_the_notifier_on():
    settings = load_config(DEFAULT_CONFIG).notifier
    assert settings.enabled and settings.statuses == ("FAILED",)


def test_all_options_config_sets_every_key():
    settings = load_config(ALL_OPTIONS_CONFIG).notifier
    assert settings == NotifierSettings(
        enabled=True,
        webhook_secret_name="all-options/slack-webhook",
        statuses=("FAILED", "SUCCEEDED"),
        include_array_children=True,
        time_zone="Asia/Tokyo",
        log_lines=20,
        max_concurrency=3,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "statuses = ['FAILED', 'SUBMITTED']",
            r"notifier\.statuses\[1\] = 'SUBMITTED' is not allowed: expected one of 'PENDING'",
        ),
        ("statuses = []", r"notifier\.statuses = \[\] is not allowed: expected at least 1 item"),
        ("statuses = 'FAILED'", r"notifier\.statuses = 'FAILED' is not allowed: expected a list of strings"),
        (
            "statuses = ['FAILED', 'FAILED']",
            r"notifier\.statuses = \['FAILED', 'FAILED'\] is not allowed: expected each status once",
        ),
        ("time_zone = 'JST+9'", r"notifier\.time_zone = 'JST\+9' is not allowed: expected an IANA time zone name"),
        ("time_zone = '/etc/localtime'", r"notifier\.time_zone = '/etc/localtime' is not allowed: expected an IANA time zone"),
        ("log_lines = 51", r"notifier\.log_lines = 51 is not allowed: expected an integer from 0 to 50"),
        ("log_lines = -1", r"notifier\.log_lines = -1 is not allowed: expected an integer from 0 to 50"),
        ("max_concurrency = 1", r"notifier\.max_concurrency = 1 is not allowed: expected an integer from 2 to 1000"),
        ("enabled = 'yes'", r"notifier\.enabled = 'yes' is not allowed: expected true or false"),
        ("include_array_children = 1", r"notifier\.include_array_children = 1 is not allowed: expected true or false"),
        (
            "webhook_secret_name = 'my secret'",
            r"notifier\.webhook_secret_name = 'my secret' is not allowed: expected a Secrets Manager secret name \(1-512 letters",
        ),
        (
            "webhook_secret_name = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hook-AbCdEf'",
            r"notifier\.webhook_secret_name = .* is not allowed: expected a secret name, not an ARN",
        ),
        ("webhook_url = 'https://hooks.slack.com/x'", r"notifier\.webhook_url = .* is not allowed: unknown key \(known keys"),
    ],
)
def test_bad_value_names_key_value_and_rule(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, f"[notifier]\n{text}\n"))


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


# --------------------------------------------------------------------------- the default app


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
