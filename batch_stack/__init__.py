"""Reusable AWS CDK constructs for scheduled container work on AWS Batch.

>>> from batch_stack import BatchCluster

Names are imported on first use, so that tools which only need the config
schema (``batch_stack.config``, used by batchctl) never load aws_cdk.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AppConfig": "batch_stack.config",
    "ConfigError": "batch_stack.config",
    "load_config": "batch_stack.config",
    "BatchCluster": "batch_stack.cluster",
    "BatchFailureNotifier": "batch_stack.failure_notifier",
    "RunnableTimeLimit": "batch_stack.cluster",
    "BatchJobsStack": "batch_stack.stack",
    "BatchQueueMonitor": "batch_stack.monitoring",
    "ConcurrencyPolicy": "batch_stack.scheduled_job",
    "DEFAULT_RETRY_RULES": "batch_stack.scheduled_job",
    "PythonFunction": "batch_stack.functions",
    "RetryRule": "batch_stack.scheduled_job",
    "SCHEDULED_TIME_PARAMETER": "batch_stack.scheduled_job",
    "ScheduledBatchJob": "batch_stack.scheduled_job",
    "MackerelOptions": "batch_stack.monitoring",
    "QueueAlarms": "batch_stack.monitoring",
    "schedule_interval": "batch_stack.schedule_interval",
    "synth_app": "batch_stack.synth",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'batch_stack' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
