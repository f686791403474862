"""The config file: each kind of mistake gives one line naming file, key, value and what is allowed."""

from __future__ import annotations

import pytest

from batch_stack.config import ConfigError, load_config, parse_config
from tests.conftest import DEFAULT_CONFIG


def write(tmp_path, text: str):
    path = tmp_path / "app.toml"
    path.write_text(text)
    return path


def test_default_config_models_the_original_setup():
    config = load_config(DEFAULT_CONFIG)
    assert config.cluster.name == "go-active-learning"
    assert (config.cluster.min_vcpus, config.cluster.max_vcpus) == (0, 256)
    assert config.cluster.instance_types == ("optimal",)
    assert config.cluster.queue_priority == 1


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
    with pytest.raises(ConfigError, match=r"nope\.toml: \(file\) = .* is not allowed: the config file does not exist"):
        load_config(tmp_path / "nope.toml")


def test_invalid_toml(tmp_path):
    with pytest.raises(ConfigError, match=r"not valid TOML"):
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
