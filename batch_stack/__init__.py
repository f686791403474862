"""Reusable AWS CDK constructs for scheduled container work on AWS Batch.

>>> from batch_stack import BatchCluster
"""

from batch_stack.cluster import BatchCluster, RunnableTimeLimit
from batch_stack.config import AppConfig, ConfigError, load_config
from batch_stack.monitoring import BatchQueueMonitor, MackerelOptions, QueueAlarms
from batch_stack.schedule_interval import schedule_interval
from batch_stack.stack import BatchJobsStack

__all__ = [
    "AppConfig",
    "BatchCluster",
    "BatchJobsStack",
    "BatchQueueMonitor",
    "ConfigError",
    "MackerelOptions",
    "QueueAlarms",
    "RunnableTimeLimit",
    "load_config",
    "schedule_interval",
]
