"""common.fields: the tolerant readers return an empty value for what is missing or of another type, and never raise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from batch_stack_lambdas import common


@pytest.mark.parametrize(("value", "text"), [("FAILED", "FAILED"), (None, ""), (137, "137"), ("", "")])
def test_as_text(value, text):
    assert common.as_text(value) == text


def test_as_mapping_and_as_list_keep_only_their_own_type():
    assert common.as_mapping({"a": 1}) == {"a": 1}
    assert [common.as_mapping(v) for v in (None, [1], "x", 3)] == [{}, {}, {}, {}]
    assert common.as_list([1, 2]) == [1, 2]
    assert [common.as_list(v) for v in (None, (1, 2), {"a": 1}, "ab")] == [[], [], [], []]


def test_epoch_milliseconds_become_utc_times_to_the_millisecond():
    assert common.from_millis(1_714_532_400_000) == datetime(2024, 5, 1, 3, 0, tzinfo=UTC)
    assert common.from_millis(1_772_355_600_120) == datetime(2026, 3, 1, 9, 0, 0, 120_000, tzinfo=UTC)
    assert common.from_millis(1.5e12) == datetime.fromtimestamp(1.5e9, tz=UTC)


@pytest.mark.parametrize("value", [None, 0, -1, True, "1714532400000", [], float("nan"), 10**20])
def test_what_is_not_an_epoch_time_is_none(value):
    assert common.from_millis(value) is None
