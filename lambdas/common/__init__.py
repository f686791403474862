"""What the functions share, and batchctl with them: job details, console links, metric names, durations.

Every function's asset holds this package beside the function's own (see
``batch_stack.functions.function_code``), so it is one copy of the code, not one per
function. Standard library only: boto3 and Powertools stay with the functions that
need them. Each function package imports it in its ``__init__.py`` (as
``lambdas.common`` in the repository, as the asset's top-level ``common`` in Lambda)
and its modules then write ``from . import common``. The names below are the public
ones of :mod:`.jobs`, :mod:`.fields`, :mod:`.links`, :mod:`.metrics` and
:mod:`.durations`; modules inside this package import each other relatively.
"""

from .durations import format_duration, seconds_between
from .fields import as_list, as_mapping, as_text, from_millis
from .jobs import (
    ACTIVE_STATUSES,
    DEFAULT_LOG_GROUP,
    JOB_STATE_CHANGE,
    TERMINAL_STATUSES,
    array_properties,
    attempts,
    awslogs_group,
    container,
    created_at,
    definition_name,
    ecs_attempts,
    eks_container,
    exit_code,
    is_array_child,
    is_child,
    is_eks,
    last_attempt,
    log_configuration,
    log_location,
    name_from_arn,
    platform,
    queue_name,
    short_arn,
    started_at,
    status_reason,
    stopped_at,
)
from .links import alarm_url, console_url, log_url
from .metrics import (
    ATTEMPTS_METRIC,
    DEFAULT_NAMESPACE,
    FAILED_METRIC,
    JOB_COUNT_METRICS,
    JOB_DIMENSION,
    LIST_JOBS_CALLS_METRIC,
    MACKEREL_POST_FAILURES_METRIC,
    MACKEREL_SERVICE_DIMENSION,
    OLDEST_RUNNABLE_AGE_METRIC,
    QUEUE_DIMENSION,
    RUN_SECONDS_METRIC,
    SUCCEEDED_METRIC,
    WAIT_SECONDS_METRIC,
)

__all__ = [
    "ACTIVE_STATUSES",
    "ATTEMPTS_METRIC",
    "DEFAULT_LOG_GROUP",
    "DEFAULT_NAMESPACE",
    "FAILED_METRIC",
    "JOB_COUNT_METRICS",
    "JOB_DIMENSION",
    "JOB_STATE_CHANGE",
    "LIST_JOBS_CALLS_METRIC",
    "MACKEREL_POST_FAILURES_METRIC",
    "MACKEREL_SERVICE_DIMENSION",
    "OLDEST_RUNNABLE_AGE_METRIC",
    "QUEUE_DIMENSION",
    "RUN_SECONDS_METRIC",
    "SUCCEEDED_METRIC",
    "TERMINAL_STATUSES",
    "WAIT_SECONDS_METRIC",
    "alarm_url",
    "array_properties",
    "as_list",
    "as_mapping",
    "as_text",
    "attempts",
    "awslogs_group",
    "console_url",
    "container",
    "created_at",
    "definition_name",
    "ecs_attempts",
    "eks_container",
    "exit_code",
    "format_duration",
    "from_millis",
    "is_array_child",
    "is_child",
    "is_eks",
    "last_attempt",
    "log_configuration",
    "log_location",
    "log_url",
    "name_from_arn",
    "platform",
    "queue_name",
    "seconds_between",
    "short_arn",
    "started_at",
    "status_reason",
    "stopped_at",
]
