"""batch_stack.config_table: Table reads one TOML table key by key; each wrong value is one ConfigError line."""

from __future__ import annotations

import re

import pytest

from batch_stack.config_table import MISSING, ConfigError, Hidden, Table, _show
from batch_stack.rules import Range


def table(data: dict, prefix: str = "cluster") -> Table:
    return Table("app.toml", prefix, data)


def error_of(read) -> ConfigError:
    """The ConfigError that ``read()`` raises."""
    with pytest.raises(ConfigError) as caught:
        read()
    return caught.value


# --------------------------------------------------------------------------- ConfigError and _show


def test_config_error_is_the_line_the_app_prints_and_keeps_its_parts():
    error = ConfigError("config/bad.toml", "cluster.max_vcpus", -1, "expected an integer from 0 to 100000")
    assert str(error) == "config/bad.toml: cluster.max_vcpus = -1 is not allowed: expected an integer from 0 to 100000"
    assert isinstance(error, ValueError)
    assert (error.source, error.key, error.value, error.allowed) == (
        "config/bad.toml",
        "cluster.max_vcpus",
        -1,
        "expected an integer from 0 to 100000",
    )


def test_config_error_takes_a_path_as_source(tmp_path):
    error = ConfigError(tmp_path / "app.toml", "name", "x", "rule")
    assert error.source == str(tmp_path / "app.toml")
    assert str(error).startswith(f"{tmp_path / 'app.toml'}: name = ")


def test_config_error_shows_a_missing_value_as_missing():
    assert str(ConfigError("app.toml", "jobs.x.image", MISSING, "this key is required")) == (
        "app.toml: jobs.x.image = (missing) is not allowed: this key is required"
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("busybox", "'busybox'"),
        ("", "''"),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (0.5, "0.5"),
        (["a", "b"], "['a', 'b']"),
        ({"name": "x"}, "{table}"),
        ({}, "{table}"),
        (None, "None"),
    ],
)
def test_show_writes_a_value_as_toml_reads_it(value, shown):
    assert _show(value) == shown


def test_show_cuts_a_long_value_to_80_characters_and_closes_its_quote():
    shown = _show("x" * 200)
    assert len(shown) <= 80
    assert shown == "'" + "x" * 50 + "'... (200 characters)"
    numbers = _show(list(range(100)))
    assert len(numbers) <= 80 and numbers.startswith("[0, 1, 2") and numbers.endswith(", ...] (100 items)")
    assert _show(["a" * 100]) == "[...] (1 item)"


def test_show_keeps_a_value_of_exactly_80_characters():
    assert _show("y" * 78) == "'" + "y" * 78 + "'"  # 80 with the quotes
    assert _show("y" * 79) == "'" + "y" * 50 + "'... (79 characters)"


def test_a_credential_is_never_repeated():
    assert _show(Hidden("hunter2")) == "(hidden, 7 characters)"


def test_a_long_value_is_cut_in_the_error_line_but_kept_on_the_error():
    value = "v" * 500
    error = error_of(lambda: table({"name": value}).str("name", choices=["a"]))
    assert "v" * 77 not in str(error) and "..." in str(error)
    assert error.value == value


# --------------------------------------------------------------------------- keys, take, peek, has, done


def test_key_puts_the_prefix_before_the_name():
    assert table({}).key("name") == "cluster.name"
    assert table({}, prefix="").key("name") == "name"
    assert table({}, prefix="jobs.nightly").key("schedule") == "jobs.nightly.schedule"


def test_take_returns_the_value_and_removes_it():
    t = table({"name": "q", "spot": True})
    assert t.take("name", MISSING) == "q"
    assert not t.has("name") and t.has("spot")
    assert t.take("name", "again") == "again"  # taken once: now absent


def test_take_gives_the_default_of_an_absent_key():
    sentinel = object()
    assert table({}).take("name", sentinel) is sentinel
    assert table({}).take("name", None) is None


def test_take_of_a_required_absent_key_is_an_error():
    error = error_of(lambda: table({}).take("name", MISSING))
    assert str(error) == "app.toml: cluster.name = (missing) is not allowed: this key is required"
    assert error.value is MISSING


def test_peek_reads_without_taking():
    t = table({"spot": True})
    assert t.peek("spot") is True
    assert t.peek("fargate") is MISSING
    assert t.has("spot")
    # A peeked key is neither read nor known: done still rejects it.
    error = error_of(t.done)
    assert str(error) == "app.toml: cluster.spot = true is not allowed: unknown key (known keys here: none)"


def test_has_is_true_only_for_keys_in_the_table():
    t = table({"name": "q", "empty": ""})
    assert t.has("name") and t.has("empty") and not t.has("other")


def test_done_accepts_a_table_whose_keys_were_all_read():
    t = table({"name": "q", "spot": False})
    t.str("name")
    t.bool("spot")
    t.done()


def test_done_rejects_an_unknown_key_and_lists_the_known_ones_sorted():
    t = table({"max_vpcus": 10})
    t.int("min_vcpus", 0)
    t.int("max_vcpus", 256)
    t.str("name", "q")
    t.int("min_vcpus", 0)  # read twice: listed once
    error = error_of(t.done)
    assert str(error) == (
        "app.toml: cluster.max_vpcus = 10 is not allowed: unknown key (known keys here: max_vcpus, min_vcpus, name)"
    )
    assert (error.key, error.value) == ("cluster.max_vpcus", 10)


def test_done_says_none_when_no_key_is_known():
    error = error_of(table({"name": "q"}, prefix="").done)
    assert str(error) == "app.toml: name = 'q' is not allowed: unknown key (known keys here: none)"


def test_done_shows_an_unknown_table_as_a_table():
    error = error_of(table({"clutser": {"name": "x"}}, prefix="").done)
    assert str(error).startswith("app.toml: clutser = {table} is not allowed: unknown key")


def test_table_reads_a_copy_of_its_data():
    data = {"name": "q"}
    t = table(data)
    t.str("name")
    assert data == {"name": "q"}


# --------------------------------------------------------------------------- str


def test_str_returns_the_string():
    assert table({"name": "q"}).str("name") == "q"


def test_str_returns_the_default_unchecked():
    assert table({}).str("name", None, choices=["a"]) is None
    assert table({}).str("name", "not-a-choice", choices=["a"]) == "not-a-choice"


def test_str_is_required_without_a_default():
    assert str(error_of(lambda: table({}).str("name"))).endswith("cluster.name = (missing) is not allowed: this key is required")


@pytest.mark.parametrize("value", [1, True, ["q"], {"a": "b"}])
def test_str_rejects_a_value_that_is_not_a_string(value):
    error = error_of(lambda: table({"name": value}).str("name"))
    assert error.allowed == "expected a string"
    assert error.key == "cluster.name"


def test_str_with_choices_lists_them():
    error = error_of(lambda: table({"capacity": "gpu"}).str("capacity", choices=("on_demand", "spot")))
    assert str(error) == "app.toml: cluster.capacity = 'gpu' is not allowed: expected one of 'on_demand', 'spot'"
    assert table({"capacity": "spot"}).str("capacity", choices=iter(["on_demand", "spot"])) == "spot"


def test_str_with_choices_lists_them_for_a_value_of_another_type():
    error = error_of(lambda: table({"capacity": 3}).str("capacity", choices=["on_demand", "spot"]))
    assert error.allowed == "expected one of 'on_demand', 'spot'"


def test_str_pattern_gives_its_rule_or_the_pattern():
    name = re.compile(r"^[a-z]+$")
    assert table({"name": "abc"}).str("name", pattern=name) == "abc"
    assert error_of(lambda: table({"name": "A1"}).str("name", pattern=name, rule="lower-case letters")).allowed == (
        "lower-case letters"
    )
    assert error_of(lambda: table({"name": "A1"}).str("name", pattern=name)).allowed == "expected a string matching ^[a-z]+$"


def test_str_check_returns_the_rule_a_value_breaks():
    def check(value: str) -> str | None:
        return "must not start with AWS" if value.startswith("AWS") else None

    assert table({"name": "mine"}).str("name", check=check) == "mine"
    error = error_of(lambda: table({"name": "AWS/Batch"}).str("name", check=check))
    assert str(error) == "app.toml: cluster.name = 'AWS/Batch' is not allowed: must not start with AWS"


# --------------------------------------------------------------------------- int and number


def test_int_returns_the_integer_or_the_default():
    assert table({"max_vcpus": 16}).int("max_vcpus", minimum=1) == 16
    assert table({}).int("max_vcpus", 256, minimum=1) == 256
    assert table({}).int("max_vcpus", None, minimum=1) is None


@pytest.mark.parametrize("value", [True, False, 1.5, 2.0, "16", [16]])
def test_int_rejects_a_value_that_is_not_an_integer(value):
    error = error_of(lambda: table({"max_vcpus": value}).int("max_vcpus", minimum=1, maximum=100))
    assert error.allowed == "expected an integer from 1 to 100"


@pytest.mark.parametrize(
    ("bounds", "edge", "outside", "allowed"),
    [
        ({"minimum": 1, "maximum": 10}, 10, 11, "expected an integer from 1 to 10"),
        ({"minimum": 1, "maximum": 10}, 1, 0, "expected an integer from 1 to 10"),
        ({"minimum": 1}, 1, 0, "expected an integer of at least 1"),
        ({"maximum": 10}, 10, 11, "expected an integer of at most 10"),
    ],
)
def test_int_bounds_are_inclusive_and_named(bounds, edge, outside, allowed):
    assert table({"n": edge}).int("n", **bounds) == edge
    assert error_of(lambda: table({"n": outside}).int("n", **bounds)).allowed == allowed


def test_int_without_bounds_takes_any_integer():
    assert table({"n": -(10**12)}).int("n") == -(10**12)
    assert error_of(lambda: table({"n": "1"}).int("n")).allowed == "expected an integer"


def test_int_within_a_range_takes_both_bounds():
    within = Range(10, 1440, "minutes")
    assert table({"n": 10}).int("n", within=within) == 10
    assert table({"n": 1440}).int("n", within=within) == 1440
    for value in (9, 1441):
        error = error_of(lambda value=value: table({"n": value}).int("n", within=within))
        assert str(error) == f"app.toml: cluster.n = {value} is not allowed: expected an integer from 10 to 1440"


def test_int_within_an_open_range_has_no_upper_bound():
    assert table({"n": 10**9}).int("n", within=Range(1)) == 10**9
    assert error_of(lambda: table({"n": 0}).int("n", within=Range(1))).allowed == "expected an integer of at least 1"


def test_int_bounds_the_call_gives_win_over_the_range():
    within = Range(0, 1000)
    assert error_of(lambda: table({"n": 0}).int("n", minimum=1, within=within)).allowed == "expected an integer from 1 to 1000"
    assert error_of(lambda: table({"n": 101}).int("n", maximum=100, within=within)).allowed == "expected an integer from 0 to 100"
    assert table({"n": 1000}).int("n", minimum=1, within=within) == 1000


def test_number_takes_integers_and_floats_and_returns_a_float():
    value = table({"vcpus": 2}).number("vcpus", minimum=0.25)
    assert value == 2.0 and isinstance(value, float)
    assert table({"vcpus": 0.25}).number("vcpus", minimum=0.25) == 0.25
    assert table({}).number("vcpus", 1, minimum=0.25) == 1  # the default is returned as given


@pytest.mark.parametrize("value", [True, "1", None, [1.0]])
def test_number_rejects_a_value_that_is_not_a_number(value):
    error = error_of(lambda: table({"vcpus": value}).number("vcpus", within=Range(0.25, 256)))
    assert error.allowed == "expected a number from 0.25 to 256"


def test_number_within_a_range_and_its_messages():
    assert table({"m": 1.5}).number("m", within=Range(1, 2)) == 1.5
    assert error_of(lambda: table({"m": 2.5}).number("m", within=Range(1, 2))).allowed == "expected a number from 1 to 2"
    assert error_of(lambda: table({"m": 0.5}).number("m", minimum=1)).allowed == "expected a number of at least 1"
    assert error_of(lambda: table({"m": 3}).number("m", maximum=2.5)).allowed == "expected a number of at most 2.5"
    assert error_of(lambda: table({"m": "x"}).number("m")).allowed == "expected a number"


# --------------------------------------------------------------------------- bool


def test_bool_returns_true_or_false_or_the_default():
    assert table({"spot": True}).bool("spot") is True
    assert table({"spot": False}).bool("spot", True) is False
    assert table({}).bool("spot", False) is False
    assert table({}).bool("spot", None) is None


@pytest.mark.parametrize(("value", "shown"), [("yes", "'yes'"), (1, "1"), (0, "0"), ("true", "'true'")])
def test_bool_rejects_anything_but_true_or_false(value, shown):
    error = error_of(lambda: table({"spot": value}).bool("spot", False))
    assert str(error) == f"app.toml: cluster.spot = {shown} is not allowed: expected true or false"


def test_bool_is_required_without_a_default():
    assert error_of(lambda: table({}).bool("spot")).allowed == "this key is required"


# --------------------------------------------------------------------------- str_list


def test_str_list_returns_a_tuple():
    assert table({"types": ["optimal", "c7i"]}).str_list("types") == ("optimal", "c7i")
    assert table({"types": []}).str_list("types") == ()


def test_str_list_returns_the_default_as_given():
    default = ("optimal",)
    assert table({}).str_list("types", default, min_items=1) is default


@pytest.mark.parametrize("value", ["optimal", ["optimal", 3], [["c7i"]], {"a": "b"}])
def test_str_list_rejects_a_value_that_is_not_a_list_of_strings(value):
    error = error_of(lambda: table({"types": value}).str_list("types"))
    assert (error.key, error.allowed) == ("cluster.types", "expected a list of strings")


def test_str_list_min_items():
    error = error_of(lambda: table({"statuses": []}, prefix="notifier").str_list("statuses", min_items=1))
    assert str(error) == "app.toml: notifier.statuses = [] is not allowed: expected at least 1 item(s)"
    assert table({"statuses": ["FAILED"]}).str_list("statuses", min_items=1) == ("FAILED",)


def test_str_list_item_error_names_the_index_and_the_item():
    def item(value: str) -> str | None:
        return None if value.islower() else "expected lower case"

    assert table({"types": ["a", "b"]}).str_list("types", item=item) == ("a", "b")
    error = error_of(lambda: table({"types": ["optimal", "c7i", "C7I LARGE", "BAD"]}).str_list("types", item=item))
    assert str(error) == "app.toml: cluster.types[2] = 'C7I LARGE' is not allowed: expected lower case"
    assert (error.key, error.value) == ("cluster.types[2]", "C7I LARGE")


def test_str_list_item_error_at_index_zero():
    error = error_of(lambda: table({"emails": ["ops"]}, prefix="monitoring").str_list("emails", item=lambda v: "an e-mail"))
    assert error.key == "monitoring.emails[0]"


# --------------------------------------------------------------------------- str_map


def test_str_map_returns_a_dict_and_defaults_to_empty():
    assert table({"environment": {"A": "1", "B": ""}}).str_map("environment") == {"A": "1", "B": ""}
    assert table({}).str_map("environment") == {}


@pytest.mark.parametrize("value", ["A=1", ["A"], 1])
def test_str_map_rejects_a_value_that_is_not_a_table(value):
    error = error_of(lambda: table({"environment": value}).str_map("environment"))
    assert (error.key, error.allowed) == ("cluster.environment", "expected a table of strings")


def test_str_map_names_the_entry_whose_value_is_not_a_string():
    error = error_of(lambda: table({"environment": {"A": "1", "B": 2}}, prefix="jobs.x").str_map("environment"))
    assert str(error) == "app.toml: jobs.x.environment.B = 2 is not allowed: expected a string"


def test_str_map_key_rule_names_the_entry():
    def key_rule(name: str) -> str | None:
        return "names starting with AWS_BATCH are reserved" if name.startswith("AWS_BATCH") else None

    read = table({"environment": {"OK": "1", "AWS_BATCH_X": "1"}}, prefix="jobs.x").str_map
    error = error_of(lambda: read("environment", key_rule=key_rule))
    assert (
        str(error) == "app.toml: jobs.x.environment.AWS_BATCH_X = '1' is not allowed: names starting with AWS_BATCH are reserved"
    )


def test_str_map_checks_the_key_before_the_value():
    error = error_of(lambda: table({"environment": {"AWS_BATCH_X": 1}}).str_map("environment", key_rule=lambda name: "reserved"))
    assert error.allowed == "reserved"


def test_str_map_returns_a_copy():
    entries = {"A": "1"}
    result = table({"environment": entries}).str_map("environment")
    result["B"] = "2"
    assert entries == {"A": "1"}


# --------------------------------------------------------------------------- table and tables


def test_table_is_a_child_with_the_longer_prefix():
    child = table({"cluster": {"name": "q"}}, prefix="").table("cluster")
    assert child.prefix == "cluster" and child.source == "app.toml"
    assert child.str("name") == "q"
    error = error_of(lambda: table({"jobs": {"x": {"bad": 1}}}, prefix="").table("jobs").table("x").done())
    assert error.key == "jobs.x.bad"


def test_an_absent_table_is_empty_unless_required():
    child = table({}, prefix="").table("cluster")
    assert not child.has("name")
    child.done()
    error = error_of(lambda: table({}, prefix="").table("cluster", required=True))
    assert str(error) == "app.toml: cluster = (missing) is not allowed: this key is required"


def test_table_rejects_a_value_that_is_not_a_table():
    error = error_of(lambda: table({"cluster": "q"}, prefix="").table("cluster"))
    assert str(error) == "app.toml: cluster = 'q' is not allowed: expected a table"


def test_tables_are_read_in_file_order_with_their_prefixes():
    jobs = table({"jobs": {"b": {"image": "x"}, "a": {"image": "y"}}}, prefix="").tables("jobs")
    assert list(jobs) == ["b", "a"]
    assert [t.prefix for t in jobs.values()] == ["jobs.b", "jobs.a"]
    assert jobs["a"].str("image") == "y"
    assert table({}, prefix="").tables("jobs") == {}


def test_tables_rejects_a_child_that_is_not_a_table():
    error = error_of(lambda: table({"jobs": {"a": {}, "b": "x"}}, prefix="").tables("jobs"))
    assert str(error) == "app.toml: jobs.b = 'x' is not allowed: expected a table"


def test_tables_marks_its_key_read_in_the_parent():
    parent = table({"queues": {"q": {}}, "extra": 1})
    parent.tables("queues")
    error = error_of(parent.done)
    assert error.key == "cluster.extra" and error.allowed == "unknown key (known keys here: queues)"


def test_error_names_the_table_source_and_key():
    error = table({}).error("name", "x", "rule")
    assert isinstance(error, ConfigError)
    assert str(error) == "app.toml: cluster.name = 'x' is not allowed: rule"
