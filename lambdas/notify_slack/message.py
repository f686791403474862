"""One Slack message for one batch of events, within Slack's limits.

Layout: a header section that states the totals, then one attachment per kind
(a colour per job status as in the original notifier, then blocked queues,
alarms and unreadable events). Each attachment has a title section, up to
:data:`JOB_DETAIL_LIMIT` jobs (or :data:`OTHER_DETAIL_LIMIT` others) in detail,
and the rest grouped with counts, so the numbers in a title always add up.

Slack allows 3,000 characters a section and 50 blocks a message and truncates
message text after 40,000 characters; :class:`_Budget` keeps every message
inside those limits, moving details into the grouped lines when space runs out.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from . import common
from .events import AlarmChange, Delivery, JobChange, QueueBlocked, Unreadable

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
MAX_CHARS = 38_000
JOB_DETAIL_LIMIT = 10
OTHER_DETAIL_LIMIT = 3
#: Room kept at the end of a grouped section for its "...and N more" line.
_TAIL_ROOM = 120
_LOG_ROOM = 1_200
_LOG_LINE_LIMIT = 200
_RAW_DETAIL_LIMIT = 1_500
_RAW_EXCERPT_LIMIT = 160

COLOURS = {
    "FAILED": "danger",
    "SUCCEEDED": "good",
    "RUNNING": "#aa99ff",
    "STARTING": "#66ccff",
    "PENDING": "warning",
    "RUNNABLE": "warning",
}
BLOCKED_COLOUR = "warning"
UNREADABLE_COLOUR = "#cccccc"
ALARM_COLOURS = {"ALARM": "danger", "OK": "good"}


@dataclass(frozen=True)
class LogTail:
    """The last lines of a job's log, or why there are none."""

    lines: Sequence[str] = ()
    problem: str = ""


#: What build_message calls for a job's last log lines (``joblogs.TailReader`` is one).
ReadTail = Callable[[JobChange], LogTail | None]


def build_message(delivery: Delivery, *, time_zone: tzinfo, tail: ReadTail | None = None) -> dict[str, Any]:
    """The Slack payload for one delivery of SQS records.

    :param time_zone: Zone for start and stop times.
    :param tail: Returns the last log lines of a job; called only for jobs shown in detail.
    """
    categories = _categories(delivery, time_zone, tail)
    header = _header(delivery, categories)
    budget = _Budget(blocks=MAX_BLOCKS - 1, chars=MAX_CHARS - len(header))
    # Every category keeps a block for its title and one for its grouped lines, whatever the details take.
    for category in categories:
        budget.reserve(2, len(category.title_text(0)) + _TAIL_ROOM * 2)
    for category in categories:
        category.choose_details(budget)
    attachments = []
    for category in categories:
        budget.release(2, len(category.title_text(0)) + _TAIL_ROOM * 2)
        attachments.append(category.render(budget))
    return {
        "text": _fallback_text(delivery, categories),
        "blocks": [_section(header)],
        "attachments": attachments,
    }


# --------------------------------------------------------------------------- budget


class _Budget:
    def __init__(self, *, blocks: int, chars: int) -> None:
        self.blocks = blocks
        self.chars = chars

    def reserve(self, blocks: int, chars: int) -> None:
        self.blocks -= blocks
        self.chars -= chars

    def release(self, blocks: int, chars: int) -> None:
        self.blocks += blocks
        self.chars += chars

    def take(self, text: str) -> bool:
        if self.blocks < 1 or self.chars < len(text):
            return False
        self.blocks -= 1
        self.chars -= len(text)
        return True


# --------------------------------------------------------------------------- categories


@dataclass
class _Category:
    """One attachment: a title, items in detail, the rest grouped."""

    label: str
    unit: str
    colour: str
    items: list[Any]
    detail_limit: int
    render_detail: Callable[[Any], str]
    group_label: Callable[[Any], str]
    grouped_by: str
    details: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.items)

    def title_text(self, shown: int) -> str:
        text = f"*{self.label}: {_count(self.total, self.unit)}*"
        rest = self.total - shown
        if rest:
            text += f" ({shown} in detail, {rest} {self.grouped_by})" if shown else f" ({self.grouped_by})"
        return text

    def choose_details(self, budget: _Budget) -> None:
        for item in self.items[: self.detail_limit]:
            text = _fit(self.render_detail(item))
            if not budget.take(text):
                break
            self.details.append(text)

    def render(self, budget: _Budget) -> dict[str, Any]:
        shown = len(self.details)
        title = self.title_text(shown)
        budget.take(title)
        blocks = [_section(title)] + [_section(text) for text in self.details]
        groups = Counter(self.group_label(item) for item in self.items[shown:])
        blocks += [_section(text) for text in _pack(list(groups.items()), self.unit, budget)]
        return {"color": self.colour, "fallback": _plain(title), "blocks": blocks}


def _categories(delivery: Delivery, time_zone: tzinfo, tail: ReadTail | None) -> list[_Category]:
    by_status: dict[str, list[JobChange]] = {}
    for job in delivery.jobs:
        by_status.setdefault(job.status, []).append(job)
    statuses = sorted(by_status, key=lambda s: (s != "FAILED", s))
    categories: list[_Category] = []
    job_detail_slots = JOB_DETAIL_LIMIT
    for status in statuses:
        jobs = by_status[status]
        categories.append(
            _Category(
                label=status,
                unit="job",
                colour=COLOURS.get(status, UNREADABLE_COLOUR),
                items=jobs,
                detail_limit=job_detail_slots,
                render_detail=lambda job: _job_detail(job, time_zone, tail),
                group_label=lambda job: f"`{_escape(job.job_name)}`",
                grouped_by="grouped by job name",
            )
        )
        job_detail_slots = max(0, job_detail_slots - len(jobs))
    if delivery.blocked:
        categories.append(
            _Category(
                label="Job queue blocked",
                unit="event",
                colour=BLOCKED_COLOUR,
                items=delivery.blocked,
                detail_limit=OTHER_DETAIL_LIMIT,
                render_detail=_blocked_detail,
                group_label=lambda event: f"`{_escape(event.queue)}` {_escape(event.reason.split(' ')[0])}",
                grouped_by="grouped by queue and reason",
            )
        )
    if delivery.alarms:
        worst = "ALARM" if any(a.state == "ALARM" for a in delivery.alarms) else delivery.alarms[0].state
        categories.append(
            _Category(
                label="Alarms",
                unit="state change",
                colour=ALARM_COLOURS.get(worst, UNREADABLE_COLOUR),
                items=delivery.alarms,
                detail_limit=OTHER_DETAIL_LIMIT,
                render_detail=_alarm_detail,
                group_label=lambda alarm: f"`{_escape(alarm.name)}` {alarm.state}",
                grouped_by="grouped by alarm and state",
            )
        )
    if delivery.unreadable:
        categories.append(
            _Category(
                label="Events the notifier could not read",
                unit="event",
                colour=UNREADABLE_COLOUR,
                items=delivery.unreadable,
                detail_limit=OTHER_DETAIL_LIMIT,
                render_detail=_unreadable_detail,
                group_label=lambda event: f"`{_escape(_clip(_one_line(event.raw), _RAW_EXCERPT_LIMIT))}`",
                grouped_by="shown as excerpts; full text in the notifier's log",
            )
        )
    return categories


def _pack(groups: list[tuple[str, int]], unit: str, budget: _Budget) -> list[str]:
    """Grouped lines (``label ×count``) in as few sections as fit, ending with what did not fit."""
    if not groups:
        return []
    sections: list[str] = []
    current: list[str] = []
    length = 0
    index = 0
    while index < len(groups):
        label, count = groups[index]
        piece = f"{label} ×{count}"
        room = min(SECTION_LIMIT, budget.chars) - _TAIL_ROOM
        if length + len(piece) + 2 <= room:
            current.append(piece)
            length += len(piece) + 2
            index += 1
            continue
        # This section is full: start another if the budget allows one more after it.
        if current and budget.blocks >= 2 and budget.chars - length > _TAIL_ROOM * 2:
            text = ", ".join(current)
            budget.take(text)
            sections.append(text)
            current, length = [], 0
            continue
        break
    left = groups[index:]
    if left:
        current.append(f"...and {len(left)} more ({_count(sum(count for _, count in left), unit)})")
    text = ", ".join(current)
    budget.take(text)
    sections.append(text)
    return sections


# --------------------------------------------------------------------------- one item


def _job_detail(job: JobChange, time_zone: tzinfo, tail: ReadTail | None) -> str:
    status = f"`{job.status}`" + (f" (reported as `{_escape(_clip(job.reported_status, 60))}`)" if job.reported_status else "")
    head = [f"*<{common.console_url(job.region, job.job_id)}|{_escape(_clip(job.job_name, 200))}>* {status}"]
    if job.attempts:
        head.append(f"attempt {job.attempts} of {job.max_attempts}")
    elif job.started_at is None:
        head.append(f"no attempt started (up to {_count(job.max_attempts, 'attempt')})")
    exit_code = f"exit code {job.exit_code}" if job.exit_code is not None else "no exit code"
    head.append(f"container `{_escape(_clip(job.container, 100))}`, {exit_code}" if job.container else exit_code)
    lines = [" · ".join(head)]
    where = [f"queue `{_escape(job.queue or '?')}`", f"definition `{_escape(job.job_definition or '?')}`", job.platform]
    if job.shape:
        where.append(_escape(job.shape))
    lines.append(" · ".join(where))
    for reason in (job.status_reason, job.container_reason):
        if reason:
            lines.append(f"> {_escape(_clip(reason, 500))}")
    if job.hint:
        lines.append(f"_{_escape(job.hint)}_")
    lines.append(_times(job, time_zone))
    if job.parameters:
        lines.append(f"parameters `{_escape(_clip(json.dumps(job.parameters, sort_keys=True), 500))}`")
    log = _log_part(job, tail)
    if log:
        lines.append(log)
    return "\n".join(lines)


def _times(job: JobChange, time_zone: tzinfo) -> str:
    started = _when(job.started_at, time_zone)
    stopped = _when(job.stopped_at, time_zone)
    if job.started_at is None:
        return f"never started · stopped {stopped}" if job.stopped_at else "never started"
    text = f"started {started} · stopped {stopped}"
    ran = common.seconds_between(job.started_at, job.stopped_at)
    if ran is not None:
        text += f" · ran {common.format_duration(ran, days=False, parts=3, separator=' ')}"
    return text


def _log_part(job: JobChange, tail: ReadTail | None) -> str:
    if not job.log_group or not job.log_stream:
        return ""
    link = f"<{common.log_url(job.region, job.log_group, job.log_stream)}|log stream>"
    result = tail(job) if tail else None
    if result is None:
        return link
    if result.problem:
        return f"{link} _(last lines unavailable: {_escape(result.problem)})_"
    if not result.lines:
        return f"{link} _(empty)_"
    kept: list[str] = []
    room = _LOG_ROOM
    for line in reversed(result.lines):
        line = _escape(_clip(line.rstrip("\n").replace("```", "'''"), _LOG_LINE_LIMIT))
        if len(line) + 1 > room:
            break
        kept.insert(0, line)
        room -= len(line) + 1
    return f"{link}, last {len(kept)} lines:\n```\n" + "\n".join(kept) + "\n```"


def _blocked_detail(event: QueueBlocked) -> str:
    job = f" by job `{_escape(event.job_name)}` ({_escape(event.job_id)})" if event.job_name else ""
    return (
        f"*Queue `{_escape(event.queue)}` is blocked*{job}\n"
        f"> {_escape(_clip(event.reason, 800))}\n"
        f"_What usually fixes it:_ {_escape(event.fix)}"
    )


def _alarm_detail(alarm: AlarmChange) -> str:
    was = f" (was {alarm.previous_state})" if alarm.previous_state else ""
    reason = f"\n> {_escape(_clip(alarm.reason, 1000))}" if alarm.reason else ""
    return f"*<{common.alarm_url(alarm.region, alarm.name)}|{_escape(alarm.name)}>* is `{alarm.state}`{was}{reason}"


def _unreadable_detail(event: Unreadable) -> str:
    raw = _clip(event.raw, _RAW_DETAIL_LIMIT).replace("```", "'''")
    return f"_{_escape(event.problem)}_\n```\n{_escape(raw)}\n```"


# --------------------------------------------------------------------------- header and text


def _header(delivery: Delivery, categories: Sequence[_Category]) -> str:
    lines = [f"*AWS Batch notifier: {_count(delivery.total, 'event')}*"]
    lines += [f"• {category.label}: {_count(category.total, category.unit)}" for category in categories]
    if delivery.duplicates:
        lines.append(f"_{_count(delivery.duplicates, 'duplicate delivery', 'duplicate deliveries')} merged_")
    return "\n".join(lines)


def _fallback_text(delivery: Delivery, categories: Sequence[_Category]) -> str:
    first = categories[0].label if categories else "EMPTY"
    parts = ", ".join(f"{category.label}: {category.total}" for category in categories)
    return f"[{first}] AWS Batch: {parts}" if parts else "AWS Batch: no events"


# --------------------------------------------------------------------------- text helpers


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _escape(text: str) -> str:
    """Slack mrkdwn: the three characters it treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str) -> str:
    return text.replace("*", "").replace("`", "")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fit(text: str) -> str:
    """A section's text within Slack's limit (escaping can lengthen text, so clip last)."""
    if len(text) <= SECTION_LIMIT:
        return text
    clipped = text[: SECTION_LIMIT - 8]
    if clipped.count("```") % 2:
        clipped += "\n```"
    return clipped + "..."


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number:,} {singular if number == 1 else plural or singular + 's'}"


def _when(moment: datetime | None, time_zone: tzinfo) -> str:
    return moment.astimezone(time_zone).strftime("%Y-%m-%d %H:%M:%S %Z") if moment else "?"
