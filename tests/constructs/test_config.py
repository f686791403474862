"""batch_stack.config: what a config file sets, and one line naming file, key, value and rule for each mistake."""

from __future__ import annotations

import pytest

from batch_stack.config import (
    ClusterSettings,
    ConfigError,
    NotifierSettings,
    cluster_queue_by_capacity,
    load_config,
    parse_config,
)
from tests.conftest import ALL_OPTIONS_CONFIG, DEFAULT_CONFIG
from tests.constructs.conftest import CLUSTER, load, write

JOBS = '[jobs.nightly]\nimage = "busybox"\nschedule = "rate(1 day)"\n[jobs.adhoc]\nimage = "busybox"\nschedule = "rate(1 day)"\n'


def rejects(tmp_path, text: str, message: str, *, cluster: str = CLUSTER) -> None:
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, text, cluster=cluster)


# --------------------------------------------------------------------------- the file, [app] and [cluster]


def test_default_config_models_the_original_setup():
    config = load_config(DEFAULT_CONFIG)
    assert config.cluster.name == "go-active-learning"
    assert (config.cluster.min_vcpus, config.cluster.max_vcpus) == (0, 256)
    assert config.cluster.instance_types == ("optimal",)
    assert config.cluster.queue_priority == 1


def test_without_a_path_the_default_file_of_the_current_directory_is_read(tmp_path, monkeypatch):
    """Not the one beside the installed package: an app that installs this library has its own config/."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "default.toml").write_text('[app]\nstack_name = "TheirApp"\n')
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert (config.app.stack_name, str(config.source)) == ("TheirApp", "config/default.toml")


def test_without_a_path_and_no_default_file_one_line_names_the_path_looked_for(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert str(caught.value) == (
        "config/default.toml: cannot read the config file: it does not exist "
        f"(no config given: the default is config/default.toml in the current directory, {tmp_path})"
    )


def test_empty_file_gives_every_default(tmp_path):
    config = load_config(write(tmp_path, ""))
    assert config.app.stack_name == "BatchJobs"
    assert config.cluster.max_vcpus == 256
    assert config.cluster.runnable_timeout_minutes == 30
    assert not config.cluster.spot and not config.cluster.fargate


def test_unknown_key_is_named_with_the_known_ones(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "[cluster]\nmax_vpcus = 10\n"))
    message = str(caught.value)
    assert "cluster.max_vpcus = 10 is not allowed: unknown key" in message
    assert "max_vcpus" in message
    assert message.startswith(str(tmp_path / "app.toml")) or "app.toml" in message


def test_unknown_section(tmp_path):
    with pytest.raises(ConfigError, match=r"clutser = \{table\} is not allowed: unknown key"):
        load_config(write(tmp_path, "[clutser]\nname = 'x'\n"))


def test_wrong_type(tmp_path):
    with pytest.raises(ConfigError, match=r"cluster\.max_vcpus = '256' is not allowed: expected an integer from 1 to 100000"):
        load_config(write(tmp_path, "[cluster]\nmax_vcpus = '256'\n"))


def test_boolean_is_not_an_integer(tmp_path):
    with pytest.raises(ConfigError, match=r"cluster\.max_vcpus = true is not allowed"):
        load_config(write(tmp_path, "[cluster]\nmax_vcpus = true\n"))


def test_out_of_range(tmp_path):
    with pytest.raises(ConfigError, match=r"cluster\.min_vcpus = -1 is not allowed: expected an integer from 0 to 100000"):
        load_config(write(tmp_path, "[cluster]\nmin_vcpus = -1\n"))


def test_max_below_min(tmp_path):
    with pytest.raises(ConfigError, match=r"cluster\.max_vcpus = 4 is not allowed: expected at least min_vcpus \(8\)"):
        load_config(write(tmp_path, "[cluster]\nmin_vcpus = 8\nmax_vcpus = 4\n"))


def test_queue_name_outside_aws_rules(tmp_path):
    with pytest.raises(ConfigError, match=r"cluster\.name = 'my queue' is not allowed: 1-128 letters, digits"):
        load_config(write(tmp_path, "[cluster]\nname = 'my queue'\n"))


def test_bad_instance_type_names_its_index(tmp_path):
    with pytest.raises(ConfigError, match=r"cluster\.instance_types\[1\] = 'C7I LARGE' is not allowed"):
        load_config(write(tmp_path, "[cluster]\ninstance_types = ['optimal', 'C7I LARGE']\n"))


def test_runnable_timeout_below_aws_minimum(tmp_path):
    with pytest.raises(ConfigError, match=r"runnable_timeout_minutes = 5 is not allowed: expected 0 \(off\) or 10 to 1440"):
        load_config(write(tmp_path, "[cluster]\nrunnable_timeout_minutes = 5\n"))


def test_stack_name_rule(tmp_path):
    with pytest.raises(ConfigError, match=r"app\.stack_name = '1stack' is not allowed: 1-128 letters"):
        load_config(write(tmp_path, "[app]\nstack_name = '1stack'\n"))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.toml: cannot read the config file: it does not exist$"):
        load_config(tmp_path / "nope.toml")


def test_invalid_toml(tmp_path):
    with pytest.raises(ConfigError, match=r"\.toml: cannot read the config file: not valid TOML: "):
        load_config(write(tmp_path, "[cluster\nname = 'x'\n"))


def test_error_is_one_line(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "[cluster]\ninstance_types = 3\n"))
    assert "\n" not in str(caught.value)


def test_parse_config_names_the_source_it_is_given():
    with pytest.raises(ConfigError, match=r"^inline: cluster\.spot = 'yes' is not allowed: expected true or false$"):
        parse_config({"cluster": {"spot": "yes"}}, "inline")


def test_spot_fallback_without_spot(tmp_path):
    with pytest.raises(
        ConfigError, match=r"cluster\.spot_on_demand_fallback = true is not allowed: applies only with spot = true"
    ):
        load_config(write(tmp_path, "[cluster]\nspot_on_demand_fallback = true\n"))


def test_cluster_queue_by_capacity_names_the_queue_of_each_enabled_capacity():
    assert cluster_queue_by_capacity(ClusterSettings(name="q")) == {"on_demand": "q"}
    assert cluster_queue_by_capacity(ClusterSettings(name="q", spot=True, fargate=True)) == {
        "on_demand": "q",
        "spot": "q-spot",
        "fargate": "q-fargate",
    }
    # Fargate Spot alone still makes the Fargate queue.
    assert cluster_queue_by_capacity(ClusterSettings(name="q", fargate_spot=True)) == {"on_demand": "q", "fargate": "q-fargate"}
    assert cluster_queue_by_capacity(load_config(DEFAULT_CONFIG).cluster) == {
        "on_demand": "go-active-learning",
        "spot": "go-active-learning-spot",
        "fargate": "go-active-learning-fargate",
    }


# --------------------------------------------------------------------------- [monitoring] and [mackerel]


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
            r"monitoring\.missed_run_multiple = 1 is not allowed: expected a number above 1$",
        ),
        (
            "[monitoring]\nmissed_run_multiple = 0\n",
            r"monitoring\.missed_run_multiple = 0 is not allowed: expected a number above 1$",
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
            r'monitoring\.jobs\."bad name" = \{table\} is not allowed: expected one of the \[jobs\] tables \(none\)',
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


# --------------------------------------------------------------------------- [notifier]


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
