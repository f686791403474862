"""notify_slack.message: one Slack message per delivery, with links, log tails and groups, within Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC

from batch_stack_lambdas.notify_slack.events import read_records
from batch_stack_lambdas.notify_slack.message import JOB_DETAIL_LIMIT, MAX_BLOCKS, SECTION_LIMIT, LogTail, build_message
from tests.lambdas.conftest import event
from tests.lambdas.notify_slack.conftest import accounted, failed_job, failures, invoke, records, sections, stated_total, text


def test_job_links_to_the_console_and_its_log_stream_with_the_last_lines(aws, webhook, clock):
    invoke(records(event("job_ec2_failed")), clock)
    body = text(webhook.posts[0])
    job_url = (
        "https://us-east-1.console.aws.amazon.com/batch/home?region=us-east-1#jobs/detail/4c7599ae-0a82-49aa-ba5a-4727fcce14a8"
    )
    assert f"<{job_url}|update_recommendation>" in body
    assert "#logsV2:log-groups/log-group/$252Faws$252Fbatch$252Fgo-active-learning/log-events/" in body
    assert "update_recommendation$252Fdefault$252F4c7599ae|log stream>, last 10 lines:" in body
    assert "log line 6\n" in body and "log line 15\n" in body
    assert "log line 5\n" not in body


def test_parameters_are_shown_as_the_original_did(aws, webhook, clock):
    invoke(records(event("job_ec2_failed")), clock)
    assert 'parameters `{"Arg1": "2024-05-01T03:00:00Z", "Arg2": "from-AWS-Lambda"}`' in text(webhook.posts[0])


def test_colour_per_status_as_in_the_original(aws, webhook, clock):
    invoke(records(event("job_ec2_failed"), event("job_succeeded"), event("queue_blocked"), event("alarm")), clock)
    colours = [attachment["color"] for attachment in webhook.posts[0]["attachments"]]
    assert colours == ["danger", "good", "warning", "danger"]


def test_more_failures_than_fit_show_ten_in_detail_and_group_the_rest(aws, webhook, clock):
    events = [failed_job(i, "nightly") for i in range(15)] + [failed_job(100 + i) for i in range(10)]
    invoke(records(*events), clock)
    post = webhook.posts[0]
    detailed, grouped, names = accounted(post)
    assert (stated_total(post), detailed, grouped) == (25, 10, 15)
    assert "*FAILED: 25 jobs* (10 in detail, 15 grouped by job name)" in text(post)
    assert "`job-0109` ×1" in text(post)
    assert set(names) == {"nightly"} | {f"job-{100 + i:04d}" for i in range(10)}


def blocked_by(job_id: str) -> dict:
    body = event("queue_blocked")
    body["id"] = f"event-{job_id}"
    body["detail"]["jobId"] = job_id
    return body


def test_huge_batches_respect_slack_limits_and_still_add_up(aws, webhook, clock):
    reason = "CannotPullContainerError: " + "z" * 10_000
    events = [failed_job(i, f"{'n' * 120}-{i:03d}", statusReason=reason) for i in range(100)]
    events += [blocked_by(f"job-{i}") for i in range(20)]
    response = invoke(records(*events) + records(*[f"garbage {i} " + "g" * 4000 for i in range(8)], raw=True), clock)
    assert failures(response) == []
    post = webhook.posts[0]
    all_blocks = post["blocks"] + [b for a in post["attachments"] for b in a["blocks"]]
    assert len(all_blocks) <= MAX_BLOCKS
    assert all(len(section) <= SECTION_LIMIT for section in sections(post))
    assert len(json.dumps(post)) < 60_000
    detailed, grouped, _ = accounted(post)
    assert detailed + grouped == stated_total(post) == 100
    assert stated_total(post, "Job queue blocked") == 20
    assert stated_total(post, "Events the notifier could not read") == 8


# --------------------------------------------------------------------------- built directly


def delivery_of(*bodies: dict):
    return read_records([{"body": json.dumps(body)} for body in bodies])


def test_log_tails_are_read_only_for_the_jobs_shown_in_detail():
    asked = []

    def read_tail(job):
        asked.append(job.job_name)
        return LogTail(lines=[f"last line of {job.job_name}"])

    payload = build_message(delivery_of(*[failed_job(i) for i in range(JOB_DETAIL_LIMIT + 5)]), time_zone=UTC, tail=read_tail)
    assert asked == [f"job-{i:04d}" for i in range(JOB_DETAIL_LIMIT)]
    assert "last line of job-0009" in json.dumps(payload) and "last line of job-0010" not in json.dumps(payload)


def test_run_time_is_shown_in_hours_minutes_and_seconds_past_a_day():
    long_run = event("job_ec2_failed")
    long_run["detail"]["stoppedAt"] = long_run["detail"]["startedAt"] + (26 * 3600 + 62) * 1000
    assert "· ran 26h 01m 02s" in json.dumps(build_message(delivery_of(long_run), time_zone=UTC), ensure_ascii=False)


def test_the_header_and_the_fallback_text_state_the_totals():
    payload = build_message(delivery_of(event("job_ec2_failed"), event("job_ec2_failed"), event("alarm")), time_zone=UTC)
    assert payload["text"] == "[FAILED] AWS Batch: FAILED: 1, Alarms: 1"
    assert payload["blocks"][0]["text"]["text"].splitlines() == [
        "*AWS Batch notifier: 2 events*",
        "• FAILED: 1 job",
        "• Alarms: 1 state change",
        "_1 duplicate delivery merged_",
    ]
    assert build_message(delivery_of(), time_zone=UTC)["text"] == "AWS Batch: no events"
