"""Property tests: whatever JSON an event's ``detail`` holds, the notifier posts a message within Slack's limits.

Batch adds fields to its events at any time and any field may be missing, null or
of another type. Two kinds of input are drawn:

- the real-shaped fixtures (``tests/lambdas/events``: AWS's documented examples,
  captured events, botocore's JobDetail), with parts replaced by arbitrary JSON and
  keys from the JobDetail vocabulary added where they were not;
- arbitrary JSON objects built from that vocabulary and any text.

For one event and for deliveries of many, reading and building the message never
raises, and the payload keeps to Slack's limits: 50 blocks a message, 3,000
characters a section, and every event counted in the header.

Each run draws a bounded number of examples (within the suite's time budget);
``PROPERTY_EXAMPLES_SCALE=100`` searches 100 times longer, by hand.
"""

from __future__ import annotations

import copy
import json
import os
import re
from datetime import UTC
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch_stack_lambdas.notify_slack.events import read_records
from batch_stack_lambdas.notify_slack.message import MAX_BLOCKS, MAX_CHARS, SECTION_LIMIT, LogTail, build_message
from tests.lambdas.conftest import EVENTS, load_fixture

#: Keys of a JobDetail (botocore's ``batch`` model) and of the other events, so drawn objects hit the readers.
VOCABULARY = (
    "jobId", "jobName", "jobArn", "jobQueue", "jobDefinition", "status", "statusReason", "createdAt", "startedAt",
    "stoppedAt", "attempts", "container", "containers", "ecsProperties", "taskProperties", "eksProperties",
    "eksAttempts", "podProperties", "nodeProperties", "nodeRangeProperties", "nodeDetails", "numNodes", "mainNode",
    "arrayProperties", "statusSummary", "index", "size", "exitCode", "reason", "logStreamName", "logConfiguration",
    "logDriver", "options", "awslogs-group", "retryStrategy", "parameters", "platformCapabilities", "essential",
    "name", "taskArn", "containerInstanceArn", "alarmName", "state", "previousState", "value", "timestamp",
)  # fmt: skip
DETAIL_TYPES = ("Batch Job State Change", "Batch Job Queue Blocked", "CloudWatch Alarm State Change")
FIXTURES = [load_fixture(path) for path in sorted(EVENTS.glob("*.json"))]
#: JSON's own scalars; text includes Slack's control characters, code fences and any Unicode.
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["", "```", "<!channel>", "&<>", "FAILED", "SUCCEEDED", "EC2", "FARGATE", "awslogs", "TBD"])
    # Long text (a reason, a log line, a name over Slack's limits), made by repetition: cheap to draw.
    | st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=8), st.integers(200, 1000))
)
KEYS = st.sampled_from(VOCABULARY) | st.text(max_size=12)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=25,
)


def places(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in a JSON tree: where a value can be replaced."""
    found: list[tuple[Any, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((node, key))
            found += places(value)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.append((node, index))
            found += places(value)
    return found


@st.composite
def mutated_fixture(draw: st.DrawFn) -> dict:
    """A real-shaped fixture with up to 6 values replaced and up to 3 vocabulary keys added anywhere."""
    body = copy.deepcopy(draw(st.sampled_from(FIXTURES)))
    for _ in range(draw(st.integers(0, 6))):
        container, key = draw(st.sampled_from(places(body)))
        container[key] = draw(JSON)
    for _ in range(draw(st.integers(0, 3))):
        objects = [body, *[c[k] for c, k in places(body) if isinstance(c[k], dict)]]
        draw(st.sampled_from(objects))[draw(st.sampled_from(VOCABULARY))] = draw(JSON)
    return body


@st.composite
def drawn_event(draw: st.DrawFn) -> dict:
    """An event whose detail is any JSON object of the vocabulary (or not an object at all)."""
    return {
        "detail-type": draw(st.sampled_from(DETAIL_TYPES) | st.text(max_size=10)),
        "source": "aws.batch",
        "id": draw(st.text(max_size=36)),
        "region": draw(st.sampled_from(["us-east-1", "ap-northeast-1", ""]) | st.text(max_size=20)),
        "detail": draw(st.dictionaries(KEYS, JSON, max_size=12) | JSON),
    }


EVENT = mutated_fixture() | drawn_event()
SCALE = int(os.environ.get("PROPERTY_EXAMPLES_SCALE", "1"))
SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.large_base_example]}
#: What the log reader returns for a job: lines of any text, none, or why there are none.
TAILS = (
    st.none()
    | st.builds(LogTail, lines=st.lists(st.text(max_size=300), max_size=30))
    | st.builds(LogTail, problem=st.text(max_size=300))
)


def records(events: list[Any]) -> list[dict]:
    return [{"messageId": str(number), "body": json.dumps(body)} for number, body in enumerate(events)]


#: Why the readers may refuse an event: it is not one they read. Any other problem is an exception in a reader.
REFUSALS = re.compile(
    r"^(not JSON|not a JSON object|no detail object|unexpected detail-type .*|ValueError: detail has no (jobId|alarmName))$", re.S
)


def assert_read_without_an_exception(delivery) -> None:
    """The readers turn any exception into an Unreadable item (posted as raw JSON): none may come from an exception."""
    assert [item.problem for item in delivery.unreadable if not REFUSALS.match(item.problem)] == []


def assert_within_slack_limits(payload: dict, events: int) -> None:
    sections = payload["blocks"] + [block for attachment in payload["attachments"] for block in attachment["blocks"]]
    assert len(sections) <= MAX_BLOCKS
    texts = [block["text"]["text"] for block in sections]
    assert all(0 < len(text) <= SECTION_LIMIT for text in texts)
    assert sum(len(text) for text in texts) <= MAX_CHARS
    json.dumps(payload)  # serialisable as the body of the post
    # Every event is counted in the header (duplicates merged and said so), none dropped.
    header = texts[0]
    counted = int(re.match(r"\*AWS Batch notifier: ([\d,]+) events?\*", header).group(1).replace(",", ""))
    merged = re.search(r"_([\d,]+) duplicate deliver(?:y|ies) merged_", header)
    assert counted + (int(merged.group(1).replace(",", "")) if merged else 0) == events


@settings(max_examples=100 * SCALE, **SETTINGS)
@given(body=EVENT, tail=TAILS)
def test_any_detail_of_one_event_gives_a_post_within_slacks_limits(body, tail):
    delivery = read_records(records([body]))
    assert_read_without_an_exception(delivery)
    payload = build_message(delivery, time_zone=UTC, tail=lambda job: tail)
    assert_within_slack_limits(payload, 1)


def copies(body: dict, count: int) -> list[dict]:
    """``count`` distinct events like ``body``: another event id and, when it has a detail object, another job id."""
    made = []
    for number in range(count):
        copy_ = copy.deepcopy(body)
        copy_["id"] = f"{copy_.get('id')}-{number}"
        if isinstance(copy_.get("detail"), dict):
            copy_["detail"]["jobId"] = f"{copy_['detail'].get('jobId')}-{number}"
        made.append(copy_)
    return made


@settings(max_examples=25 * SCALE, **SETTINGS)
@given(bodies=st.lists(EVENT, min_size=1, max_size=4), count=st.integers(1, 30), repeats=st.integers(1, 3), tail=TAILS)
def test_any_delivery_of_many_events_gives_one_post_within_slacks_limits(bodies, count, repeats, tail):
    distinct = [each for body in bodies for each in copies(body, count)]
    sent = distinct * repeats  # EventBridge delivers at least once: the same event can come again in one batch
    delivery = read_records(records(sent))
    assert_read_without_an_exception(delivery)
    payload = build_message(delivery, time_zone=UTC, tail=lambda job: tail)
    assert_within_slack_limits(payload, len(sent))


def test_a_status_that_is_not_a_job_status_is_unknown_and_quoted_within_limits():
    """Found by the property test: a status that was an object of 3,000 characters became a section title."""
    odd = [
        {"detail-type": "Batch Job State Change", "detail": {"jobId": f"j{n}", "status": {"x": "0" * 3000, "n": n}}}
        for n in range(30)
    ]
    payload = build_message(read_records(records(odd)), time_zone=UTC)
    assert_within_slack_limits(payload, 30)
    assert "*UNKNOWN: 30 jobs*" in json.dumps(payload)
    (job,) = read_records(records(odd[:1])).jobs
    assert (job.status, job.reported_status[:6]) == ("UNKNOWN", "{'x': ")
