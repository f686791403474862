"""EventBridge Scheduler, which moto stores but never fires: deliver a deployed schedule's input to its target, once.

The schedule is read back from the emulator (what was deployed), its ``Input`` gets the
``<aws.scheduler.*>`` placeholders filled in as Scheduler does, and it goes to the target: a
function runs in-process (asynchronously invoked, with its invoke config's retries and
on-failure destination), a universal target (``arn:aws:scheduler:::aws-sdk:<service>:<action>``)
calls the API with the input as its request, names matched to the API's model.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .runtime import Invocation

Clients = Callable[[str], Any]


@dataclass
class Firing:
    """One delivery of a schedule: the input as sent, and what the target did."""

    schedule: str
    scheduled_time: datetime
    target: str
    input: Any
    invocation: Invocation | None = None
    response: Any = None
    error: str | None = None


def iso_time(moment: datetime) -> str:
    """A time as Scheduler and EventBridge write it: ISO 8601, UTC, to the second, with Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def placeholders(scheduled_time: datetime, schedule_arn: str, attempt: int = 1) -> dict[str, str]:
    """Scheduler's context attributes, as its user guide lists them (the time in ISO 8601, UTC, to the second)."""
    return {
        "<aws.scheduler.scheduled-time>": iso_time(scheduled_time),
        "<aws.scheduler.execution-id>": uuid.uuid4().hex,
        "<aws.scheduler.attempt-number>": str(attempt),
        "<aws.scheduler.schedule-arn>": schedule_arn,
    }


def scheduled_times(expression: str, time_zone: str, after: datetime, count: int) -> list[datetime]:
    """The first ``count`` times after ``after`` that a ``rate`` or ``cron`` schedule names (UTC).

    A ``rate`` counts from ``after`` itself (Scheduler counts from the schedule's creation); a
    ``cron`` is evaluated in ``time_zone`` with the library's parser (batch_stack.schedule_interval).
    """
    from batch_stack.schedule_interval import parse_schedule

    schedule = parse_schedule(expression)
    if isinstance(schedule, timedelta):
        return [after + schedule * n for n in range(1, count + 1)]
    zone = ZoneInfo(time_zone)
    day, found = after.astimezone(zone).date(), []
    while len(found) < count and day.year <= after.year + 10:
        if schedule.runs_on(day):
            for hour, minute in sorted((h, m) for h in schedule.hours for m in schedule.minutes):
                at = datetime.combine(day, time(hour, minute), zone).astimezone(UTC)
                if at > after and len(found) < count:
                    found.append(at)
        day += timedelta(days=1)
    return found


def fill(text: str, values: Mapping[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def universal_request(clients: Clients, target_arn: str, request: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """``(service, operation, kwargs)`` for a universal target: the input's names matched to the API's members, any case."""
    service, action = target_arn.rsplit(":aws-sdk:", 1)[1].split(":")
    client = clients(service)
    model = client.meta.service_model
    operation = next((name for name in model.operation_names if name.lower() == action.lower()), None)
    if operation is None:
        raise ValueError(f"{target_arn}: {service} has no operation {action}")
    return service, operation, _matched(request, model.operation_model(operation).input_shape, target_arn)


def _matched(value: Any, shape: Any, where: str) -> Any:
    if shape.type_name == "structure":
        if not isinstance(value, Mapping):
            raise ValueError(f"{where}: expected an object, got {value!r}")
        members = {name.lower(): name for name in shape.members}
        matched = {}
        for key, item in value.items():
            if key.lower() not in members:
                raise ValueError(f"{where}: {key!r} is not a parameter of the API (it takes {sorted(shape.members)})")
            name = members[key.lower()]
            matched[name] = _matched(item, shape.members[name], f"{where}.{key}")
        return matched
    if shape.type_name == "list":
        return [_matched(item, shape.member, f"{where}[]") for item in value]
    return value


def fire(
    clients: Clients,
    schedule_name: str,
    scheduled_time: datetime,
    invoke: Callable[[str, Any], Invocation],
    group: str | None = None,
) -> Firing:
    """Deliver ``schedule_name``'s (in ``group``, else the default group) input to its target as at ``scheduled_time``."""
    schedule = clients("scheduler").get_schedule(Name=schedule_name, **({"GroupName": group} if group else {}))
    target = schedule["Target"]
    if schedule.get("State", "ENABLED") != "ENABLED":
        return Firing(
            schedule_name, scheduled_time, target["Arn"], None, error=f"the schedule is {schedule['State']}: it does not fire"
        )
    text = fill(target.get("Input", "{}"), placeholders(scheduled_time, schedule["Arn"]))
    payload = json.loads(text)
    firing = Firing(schedule_name, scheduled_time, target["Arn"], payload)
    if ":aws-sdk:" in target["Arn"]:
        service, operation, request = universal_request(clients, target["Arn"], payload)
        try:
            client = clients(service)
            method = {api: python for python, api in client.meta.method_to_api_mapping.items()}[operation]
            firing.response = getattr(client, method)(**request)
        except Exception as error:  # noqa: BLE001 -- Scheduler records any failure of the call
            firing.error = f"{type(error).__name__}: {error}"
    else:
        firing.invocation = invoke(target["Arn"], payload)
        firing.error = firing.invocation.error
    return firing
