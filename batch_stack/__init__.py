"""Reusable AWS CDK constructs for scheduled container work on AWS Batch.

>>> from batch_stack import BatchCluster
"""

from batch_stack.cluster import BatchCluster, RunnableTimeLimit
from batch_stack.config import AppConfig, ConfigError, load_config
from batch_stack.failure_notifier import BatchFailureNotifier
from batch_stack.stack import BatchJobsStack

__all__ = [
    "AppConfig",
    "BatchCluster",
    "BatchFailureNotifier",
    "BatchJobsStack",
    "ConfigError",
    "RunnableTimeLimit",
    "load_config",
]
