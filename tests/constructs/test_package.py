"""``batch_stack``'s top level: the names users reach for, imported on first use."""

from __future__ import annotations

import subprocess
import sys

import pytest

import batch_stack

#: What a user of the constructs imports without knowing the module it lives in.
USER_NAMES = (
    "BatchCluster",
    "ScheduledBatchJob",
    "BatchFailureNotifier",
    "BatchQueueMonitor",
    "ConcurrencyPolicy",
    "RetryRule",
    "DEFAULT_RETRY_RULES",
    "SCHEDULED_TIME_PARAMETER",
    "QueueAlarms",
    "PythonFunction",
    "load_config",
    "synth_app",
)


@pytest.mark.parametrize("name", batch_stack.__all__)
def test_every_exported_name_resolves_to_its_module_attribute(name):
    value = getattr(batch_stack, name)
    assert value is not None
    assert name in dir(batch_stack)


def test_the_names_users_reach_for_are_exported():
    assert set(USER_NAMES) <= set(batch_stack.__all__)
    assert batch_stack.SCHEDULED_TIME_PARAMETER == "scheduled_time"
    assert all(isinstance(rule, batch_stack.RetryRule) for rule in batch_stack.DEFAULT_RETRY_RULES)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="module 'batch_stack' has no attribute 'BatchClustr'"):
        batch_stack.BatchClustr  # noqa: B018


def test_importing_the_package_loads_no_cdk():
    """batchctl reads ``batch_stack.config``; jsii's Node process must not start for that."""
    code = "import sys, batch_stack.config; print(sorted(m for m in sys.modules if m.startswith(('aws_cdk', 'jsii'))))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
