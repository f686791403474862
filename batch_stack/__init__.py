"""Reusable AWS CDK constructs for scheduled container work on AWS Batch.

>>> from batch_stack import BatchCluster, ScheduledBatchJob
"""

from batch_stack.cluster import BatchCluster, RunnableTimeLimit
from batch_stack.config import AppConfig, ConfigError, load_config
from batch_stack.scheduled_job import ConcurrencyPolicy, RetryRule, ScheduledBatchJob
from batch_stack.stack import BatchJobsStack

__all__ = [
    "AppConfig",
    "BatchCluster",
    "BatchJobsStack",
    "ConcurrencyPolicy",
    "ConfigError",
    "RetryRule",
    "RunnableTimeLimit",
    "ScheduledBatchJob",
    "load_config",
]
