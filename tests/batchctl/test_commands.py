"""batchctl.commands: ``jobs``, ``show``, ``status`` and ``run`` from the command line, against moto's Batch.

- jobs: one ListJobs per queue and status, sorted by completion, filtered, rendered.
- show: one job in full, from one DescribeJobs call.
- status: counts per active status and the oldest RUNNABLE age, by the monitor's own counting code.
- run: a configured job through the submit Lambda's policy code, and --wait for it.

``logs`` is tested in test_logs.py, with the log reader it drives.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest

from batch_stack_lambdas.queue_metrics import counting
from batchctl import listing
from batchctl.aws import Aws
from batchctl.names import ConfiguredJob, encode_jobs
from tests.batchctl.conftest import NOW, OTHER_QUEUE, QUEUE, REGION, SESSION, T0, run_cli

# --------------------------------------------------------------------------- jobs


HEADER = ["NAME", "JOB", "ID", "STATUS", "CREATED", "STARTED", "STOPPED", "DURATION", "EXIT", "REASON"]


@pytest.fixture
def three_jobs(aws):
    """A job that failed last, one that succeeded before it, and one still running (created first)."""
    ok = aws.submit("update_recommendation")
    failed = aws.submit("fetch_entries", fail=True)
    running = aws.submit("train_classifier")
    aws.set_job(ok, created=T0, started=T0 + timedelta(minutes=1), stopped=T0 + timedelta(minutes=4), exit_code=0)
    aws.set_job(
        failed,
        created=T0 + timedelta(minutes=2),
        started=T0 + timedelta(minutes=3),
        stopped=T0 + timedelta(minutes=5),
        exit_code=1,
        reason="Essential container in task exited",
    )
    aws.set_job(running, created=T0 - timedelta(minutes=30), started=T0 - timedelta(minutes=29), status="RUNNING")
    return {"ok": ok, "failed": failed, "running": running}


def ids_in(text: str) -> list[str]:
    return [line.split()[1] for line in text.splitlines()[1:]]


def test_table_lists_unfinished_jobs_first_then_newest_completion(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE)
    assert result.code == 0, result.err
    assert ids_in(result.out) == [three_jobs["running"], three_jobs["failed"], three_jobs["ok"]]


def test_plain_table_has_the_documented_columns_and_values(aws, three_jobs):
    lines = aws.run("jobs", "--queue", QUEUE).out.splitlines()
    assert lines[0].split() == HEADER
    created, started, stopped = (T0 + timedelta(minutes=m) for m in (2, 3, 5))
    expected = ["fetch_entries", three_jobs["failed"], "FAILED"]
    expected += [f"{t:%Y-%m-%d %H:%M:%S}" for t in (created, started, stopped)]
    expected += ["2m00s", "1", "Essential container in task exited"]
    assert [cell.strip() for cell in lines[2].split("  ") if cell.strip()] == expected


def test_running_job_duration_counts_up_to_now(aws, three_jobs):
    line = aws.run("jobs", "--queue", QUEUE).out.splitlines()[1]
    # Started 29 minutes before T0; "now" is two hours after T0.
    assert " 2h29m " in line


def test_sort_by_created_is_newest_first(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, "--sort", "created")
    assert ids_in(result.out) == [three_jobs["failed"], three_jobs["ok"], three_jobs["running"]]


def test_sort_by_started_is_newest_first(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, "--sort", "started")
    assert ids_in(result.out) == [three_jobs["failed"], three_jobs["ok"], three_jobs["running"]]


def test_sort_by_duration_is_longest_first(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, "--sort", "duration")
    assert ids_in(result.out) == [three_jobs["running"], three_jobs["ok"], three_jobs["failed"]]


def test_status_filter_is_repeatable_and_case_insensitive(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, "--status", "failed", "--status", "RUNNING")
    assert ids_in(result.out) == [three_jobs["running"], three_jobs["failed"]]


def test_name_filter_matches_a_prefix(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, "--name", "fetch")
    assert ids_in(result.out) == [three_jobs["failed"]]


def test_name_filter_still_honours_status(aws, three_jobs):
    aws.submit("fetch_entries")  # SUCCEEDED, same prefix
    result = aws.run("jobs", "--queue", QUEUE, "--name", "fetch", "--status", "FAILED")
    assert ids_in(result.out) == [three_jobs["failed"]]


def test_since_keeps_jobs_that_stopped_after_the_time_and_jobs_still_running(aws, three_jobs):
    since = (T0 + timedelta(minutes=4, seconds=30)).isoformat()
    result = aws.run("jobs", "--queue", QUEUE, "--since", since)
    # The ok job stopped before the cut, the failed one after it; the running job (started long
    # before the cut) is active now.
    assert ids_in(result.out) == [three_jobs["running"], three_jobs["failed"]]


def test_since_accepts_a_relative_duration(aws, three_jobs):
    # "now" is T0 + 2h, so 119m ago is T0 + 1m: the ok job stopped at T0 + 4m, the failed one later.
    result = aws.run("jobs", "--queue", QUEUE, "--since", "119m", "--status", "SUCCEEDED", "--status", "FAILED")
    assert ids_in(result.out) == [three_jobs["failed"], three_jobs["ok"]]
    # 115m ago is T0 + 5m: only the failed job stopped since (at the cut counts).
    result = aws.run("jobs", "--queue", QUEUE, "--since", "115m", "--status", "SUCCEEDED", "--status", "FAILED")
    assert ids_in(result.out) == [three_jobs["failed"]]


@pytest.mark.parametrize("status", ["RUNNABLE", "RUNNING"])
def test_since_keeps_a_job_unfinished_for_longer_than_the_window(aws, status):
    finished = aws.submit("update_recommendation")
    aws.set_job(finished, created=NOW - timedelta(hours=8), stopped=NOW - timedelta(hours=7), exit_code=0)
    long_running = aws.submit("train_classifier")
    started = NOW - timedelta(hours=8) if status == "RUNNING" else None
    aws.set_job(long_running, created=NOW - timedelta(hours=8), started=started, status=status)
    result = aws.run("jobs", "--queue", QUEUE, "--since", "6h")
    assert result.code == 0, result.err
    # Created (and started) 8 hours ago, not finished: active now, so within 6 hours.
    assert ids_in(result.out) == [long_running]


def test_limit_cuts_after_sorting_and_says_so(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, "--limit", "1")
    assert ids_in(result.out) == [three_jobs["running"]]
    assert result.err == f"showing 1 of 3 jobs in {QUEUE} (--limit 1; --limit 0 shows all)\n"


def test_limit_on_a_terminal_prints_one_footer_not_two(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, "--limit", "2", tty=True)
    assert result.err.splitlines() == [f"showing 2 of 3 jobs in {QUEUE} (--limit 2; --limit 0 shows all)"]


def test_limit_with_json_says_so_in_one_line(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, "--limit", "1", "-o", "json")
    assert len(result.json()) == 1
    assert result.err == f"showing 1 of 3 jobs in {QUEUE} (--limit 1; --limit 0 shows all)\n"


@pytest.mark.parametrize("tty", [True, False])
def test_an_empty_listing_says_which_filters_matched_nothing(aws, three_jobs, tty):
    result = aws.run("jobs", "--queue", QUEUE, "--status", "runnable", "--name", "fetch", "--since", "30m", tty=tty)
    assert result.code == 0
    assert result.out == ""
    since = f"{NOW - timedelta(minutes=30):%Y-%m-%d %H:%M:%S}"
    assert result.err == f"no jobs match queue={QUEUE} status=RUNNABLE name=fetch* since=30m ({since})\n"


def test_an_empty_listing_as_json_is_an_empty_array(aws):
    result = aws.run("jobs", "--queue", QUEUE, "-o", "json")
    assert (result.code, result.json(), result.err) == (0, [], "")


def test_jobs_of_several_queues_get_a_queue_column(aws, three_jobs):
    spot_job = aws.submit("estimate_gmm", queue=OTHER_QUEUE)
    aws.set_job(spot_job, stopped=NOW)
    lines = aws.run("jobs", "--queue", QUEUE, "--queue", OTHER_QUEUE).out.splitlines()
    assert lines[0].split()[:2] == ["QUEUE", "NAME"]
    assert lines[1].split()[:2] == [QUEUE, "train_classifier"]  # still running: on top
    assert lines[2].split()[:3] == [OTHER_QUEUE, "estimate_gmm", spot_job]


def test_json_output_has_exactly_the_documented_fields(aws, three_jobs):
    records = aws.run("jobs", "--queue", QUEUE, "--output", "json").json()
    assert [tuple(r) for r in records] == [listing.JSON_FIELDS] * 3
    failed = records[1]
    assert failed["jobId"] == three_jobs["failed"]
    assert failed["status"] == "FAILED"
    assert failed["exitCode"] == 1
    assert failed["durationSeconds"] == 120.0
    assert failed["stoppedAt"] == (T0 + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert failed["statusReason"] == "Essential container in task exited"
    assert failed["jobQueue"] == QUEUE


def test_csv_output_has_a_header_and_empty_cells_for_missing_values(aws, three_jobs):
    rows = list(csv.DictReader(io.StringIO(aws.run("jobs", "--queue", QUEUE, "-o", "csv").out)))
    assert tuple(rows[0]) == listing.JSON_FIELDS
    assert [r["jobId"] for r in rows] == [three_jobs["running"], three_jobs["failed"], three_jobs["ok"]]
    assert rows[0]["stoppedAt"] == ""


def test_terminal_gets_a_rich_table_and_a_count(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, tty=True)
    assert "\x1b[" in result.out  # styled
    assert "FAILED" in result.out and three_jobs["ok"] in result.out
    assert result.err == f"3 jobs in {QUEUE}\n"  # the queue is named once, not in a column
    assert "QUEUE" not in result.out


def test_terminal_of_several_queues_shows_the_queue_column_and_counts_them(aws, three_jobs):
    aws.submit("estimate_gmm", queue=OTHER_QUEUE)
    result = aws.run("jobs", "--queue", QUEUE, "--queue", OTHER_QUEUE, tty=True, width=250)
    assert "QUEUE" in result.out and OTHER_QUEUE in result.out
    assert result.err == "4 jobs in 2 queues\n"


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_at_80_columns_ids_are_whole_every_row_has_its_status_and_the_rest_is_named(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, tty=True, width=80)
    lines = ANSI.sub("", result.out).splitlines()
    assert lines[0].split() == ["NAME", "JOB", "ID", "STATUS", "EXIT"]
    assert all(len(line) <= 80 for line in lines)
    for name, status in (("running", "RUNNING"), ("failed", "FAILED"), ("ok", "SUCCEEDED")):
        (line,) = [line for line in lines if three_jobs[name] in line.split()]
        assert status in line.split()
    assert result.err.splitlines() == [
        "left out: CREATED, STARTED, STOPPED, DURATION, REASON (see --wide or -o csv)",
        f"3 jobs in {QUEUE}",
    ]


def test_wide_prints_every_column_past_the_terminal_width(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, "--wide", tty=True, width=80)
    lines = ANSI.sub("", result.out).splitlines()
    assert lines[0].split() == HEADER
    assert max(len(line) for line in lines) > 80
    assert "Essential container in task exited" in result.out  # not wrapped either
    assert result.err == f"3 jobs in {QUEUE}\n"


@pytest.mark.parametrize("output", ["csv", "json"])
def test_csv_and_json_on_a_narrow_terminal_leave_nothing_out_and_say_nothing(aws, three_jobs, output):
    result = aws.run("jobs", "--queue", QUEUE, "-o", output, tty=True, width=60)
    assert three_jobs["failed"] in result.out and "Essential container in task exited" in result.out
    assert result.err == ""


def test_piped_table_has_every_column_whatever_the_width(aws, three_jobs):
    result = aws.run("jobs", "--queue", QUEUE, tty=False, width=60)
    assert result.out.splitlines()[0].split() == HEADER
    assert result.err == ""


def test_listing_calls_list_jobs_per_status_and_never_describe_jobs(aws, three_jobs):
    batch = SESSION.client("batch")
    calls: list[str] = []
    batch.meta.events.register("before-call.batch.*", lambda model, **_: calls.append(model.name))
    result = run_cli("jobs", "--queue", QUEUE, aws=Aws(clients={"batch": batch}))
    assert result.code == 0
    assert sorted(set(calls)) == ["DescribeJobQueues", "ListJobs"]
    assert calls.count("ListJobs") == len(listing.STATUSES)
    assert "DescribeJobs" not in calls


def test_queues_come_from_the_stack_outputs(aws, three_jobs):
    stack = aws.stack_aws("GoActiveLearningBatch", {"JobQueueNames": f"{QUEUE},{OTHER_QUEUE}"})
    result = aws.run("jobs", "--stack", "GoActiveLearningBatch", "-o", "json", aws=stack)
    assert result.code == 0, result.err
    assert {r["jobId"] for r in result.json()} == set(three_jobs.values())


def test_unknown_queue_is_a_usage_error_naming_the_known_ones(aws):
    result = aws.run("jobs", "--queue", "go-active-learnin")
    assert result.code == 2
    assert result.err == (f"batchctl: unknown job queue 'go-active-learnin' in {REGION} (queues there: {QUEUE}, {OTHER_QUEUE})\n")
    assert result.out == ""


def test_no_queue_at_all_is_a_usage_error(aws):
    result = aws.run("jobs")
    assert result.code == 2
    assert "pass --queue NAME, or --stack / --config" in result.err


def test_bad_since_is_a_usage_error(aws):
    result = aws.run("jobs", "--queue", QUEUE, "--since", "yesterday")
    assert result.code == 2
    assert result.err.startswith("batchctl: --since: expected a duration such as 30m")


# --------------------------------------------------------------------------- show


@pytest.fixture
def failed_job(aws):
    job_id = aws.submit("update_recommendation", fail=True, parameters={"Arg1": "2026-03-01T09:00:00Z"})
    aws.set_job(
        job_id,
        created=T0,
        started=T0 + timedelta(seconds=30),
        stopped=T0 + timedelta(minutes=3, seconds=35),
        exit_code=137,
        reason="Essential container in task exited",
    )
    return job_id


def section(text: str, title: str) -> list[str]:
    """The indented lines under a section title of ``show``'s output."""
    lines = text.splitlines()
    start = lines.index(title) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return lines[start:end]


def test_show_summarises_the_job(aws, failed_job):
    result = aws.run("show", failed_job)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "update_recommendation"
    summary = dict(line.strip().split("  ", 1) for line in lines[1:9])
    assert {k: v.strip() for k, v in summary.items()} == {
        "job id": failed_job,
        "status": "FAILED: Essential container in task exited",
        "queue": QUEUE,
        "definition": "update_recommendation:1",
        "created": f"{T0:%Y-%m-%d %H:%M:%S}",
        "started": f"{T0 + timedelta(seconds=30):%Y-%m-%d %H:%M:%S}",
        "stopped": f"{T0 + timedelta(minutes=3, seconds=35):%Y-%m-%d %H:%M:%S}",
        "duration": "3m05s",
    }


def test_show_lists_parameters_from_the_job_and_its_definition(aws, failed_job):
    lines = section(aws.run("show", failed_job).out, "parameters")
    assert [line.split() for line in lines] == [["Arg1", "2026-03-01T09:00:00Z"], ["Arg2", "from-AWS-Lambda"]]


def test_show_lists_every_attempt_with_exit_code_and_times(aws, failed_job):
    lines = section(aws.run("show", failed_job).out, "attempts")
    assert lines[0].split() == ["#", "EXIT", "STARTED", "STOPPED", "DURATION", "HOST", "OR", "TASK", "REASON"]
    cells = lines[1].split()
    assert cells[:2] == ["1", "137"]
    assert cells[6] == "3m05s"


def test_show_links_to_the_console_and_the_log_stream(aws, failed_job):
    lines = section(aws.run("show", failed_job).out, "links")
    links = dict(line.strip().split("  ", 1) for line in lines)
    links = {k: v.strip() for k, v in links.items()}
    assert links["console"] == f"https://{REGION}.console.aws.amazon.com/batch/home?region={REGION}#jobs/detail/{failed_job}"
    assert links["log group"] == "/aws/batch/job"
    assert links["log, attempt 1"].endswith(
        f"#logsV2:log-groups/log-group/$252Faws$252Fbatch$252Fjob/log-events/update_recommendation$252Fdefault$252F{failed_job}"
    )


def test_show_json_is_the_job_detail_with_links(aws, failed_job):
    job = aws.run("show", failed_job, "--output", "json").json()
    assert job["jobId"] == failed_job
    assert job["status"] == "FAILED"
    assert job["attempts"][0]["container"]["exitCode"] == 137
    assert job["links"]["logGroup"] == "/aws/batch/job"
    assert set(job["links"]["logStreams"]) == {"1"}


def test_unknown_job_id_is_a_usage_error(aws):
    result = aws.run("show", "00000000-0000-0000-0000-000000000000")
    assert result.code == 2
    assert result.err.startswith("batchctl: unknown job id '00000000-0000-0000-0000-000000000000' in us-east-1")
    assert "Traceback" not in result.err


# --------------------------------------------------------------------------- status


@pytest.fixture
def busy_queue(aws):
    """Two RUNNABLE jobs (the older created 90 minutes before "now"), one RUNNING, one finished."""
    jobs = [aws.submit(name) for name in ("a", "b", "c", "d")]
    aws.set_job(jobs[0], created=NOW - timedelta(minutes=90), status="RUNNABLE")
    aws.set_job(jobs[1], created=NOW - timedelta(minutes=5), status="RUNNABLE")
    aws.set_job(jobs[2], created=T0, status="RUNNING")
    return jobs


def test_status_counts_each_active_status_per_queue(aws, busy_queue):
    result = aws.run("status", "--queue", QUEUE, "--queue", OTHER_QUEUE)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["QUEUE", "SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "OLDEST", "RUNNABLE"]
    assert lines[1].split() == [QUEUE, "0", "0", "2", "0", "1", "1h30m"]
    assert lines[2].split() == [OTHER_QUEUE, "0", "0", "0", "0", "0", "-"]


def test_status_json_has_counts_and_age_in_seconds(aws, busy_queue):
    (record,) = json.loads(aws.run("status", "--queue", QUEUE, "-o", "json").out)
    assert record == {
        "jobQueue": QUEUE,
        "counts": {"SUBMITTED": 0, "PENDING": 0, "RUNNABLE": 2, "STARTING": 0, "RUNNING": 1},
        "oldestRunnableAgeSeconds": pytest.approx(5400, abs=1),
    }


def test_status_uses_the_app_queues_from_the_stack(aws, busy_queue):
    stack = aws.stack_aws("App", {"JobQueueNames": f"{QUEUE},{OTHER_QUEUE}"})
    result = aws.run("status", "--stack", "App", "-o", "csv", aws=stack)
    assert result.out.splitlines()[0] == "jobQueue,SUBMITTED,PENDING,RUNNABLE,STARTING,RUNNING,oldestRunnableAgeSeconds"
    assert [line.split(",")[0] for line in result.out.splitlines()[1:]] == [QUEUE, OTHER_QUEUE]


def test_status_links_the_dashboard_when_the_stack_has_one(aws):
    stack = aws.stack_aws("App", {"JobQueueNames": QUEUE, "DashboardUrl": "https://console.example/dashboards/App"})
    result = aws.run("status", "--stack", "App", aws=stack)
    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == "dashboard: https://console.example/dashboards/App"


def test_status_of_an_unknown_queue_is_a_usage_error(aws):
    result = aws.run("status", "--queue", "nope")
    assert result.code == 2
    assert result.err.startswith("batchctl: unknown job queue 'nope'")


def test_status_calls_the_monitors_count_jobs(aws, monkeypatch):
    seen = []
    real = counting.count_jobs

    def spy(batch_client, job_queue, *, now=None):
        seen.append((job_queue, now))
        return real(batch_client, job_queue, now=now)

    monkeypatch.setattr(counting, "count_jobs", spy)
    assert aws.run("status", "--queue", QUEUE).code == 0
    assert seen == [(QUEUE, NOW)]


# --------------------------------------------------------------------------- run


STACK = "GoActiveLearningBatch"


def configured(policy: str = "ALLOW", **parameters: str) -> ConfiguredJob:
    return ConfiguredJob(
        key="update",
        job_name="update_recommendation",
        job_queue=QUEUE,
        job_definition="update_recommendation",
        concurrency_policy=policy,
        parameters=parameters or {"Arg2": "from-batchctl"},
    )


def stack_with(aws, job: ConfiguredJob):
    return aws.stack_aws(STACK, {"JobQueueNames": QUEUE, "BatchctlJobs": encode_jobs([job])})


def jobs_named(aws, name: str) -> list[dict]:
    ids = [
        j["jobId"]
        for s in ("SUCCEEDED", "FAILED", "RUNNING")
        for j in aws.batch.list_jobs(jobQueue=QUEUE, jobStatus=s)["jobSummaryList"]
    ]
    return [j for j in aws.batch.describe_jobs(jobs=ids)["jobs"] if j["jobName"] == name] if ids else []


def test_run_submits_with_the_configured_parameters_and_overrides(aws):
    result = aws.run("run", "update", "--stack", STACK, "--param", "Arg1=2026-03-01", aws=stack_with(aws, configured()))
    assert result.code == 0, result.err
    (job,) = jobs_named(aws, "update_recommendation")
    assert result.out.startswith(f"Submitted update_recommendation on {QUEUE}: {job['jobId']}\n")
    assert job["parameters"]["Arg1"] == "2026-03-01"
    assert job["parameters"]["Arg2"] == "from-batchctl"


def test_run_finds_the_job_by_its_job_name_too(aws):
    result = aws.run("run", "update_recommendation", "--stack", STACK, aws=stack_with(aws, configured()))
    assert result.code == 0, result.err
    assert len(jobs_named(aws, "update_recommendation")) == 1


def test_forbid_skips_while_a_run_is_active(aws):
    active = aws.submit("update_recommendation")
    aws.set_job(active, status="RUNNING")
    result = aws.run("run", "update", "--stack", STACK, "-o", "json", aws=stack_with(aws, configured("FORBID")))
    assert result.code == 0, result.err
    record = result.json()
    assert (record["action"], record["jobId"], record["previousJobIds"]) == ("Skipped", None, [active])
    assert len(jobs_named(aws, "update_recommendation")) == 1


def test_wait_after_a_skip_exits_1(aws):
    active = aws.submit("update_recommendation")
    aws.set_job(active, status="RUNNING")
    result = aws.run("run", "update", "--wait", "--stack", STACK, aws=stack_with(aws, configured("FORBID")))
    assert result.code == 1
    assert result.out.startswith("Skipped update_recommendation: FORBID:")
    assert "nothing was submitted" in result.err


def test_replace_terminates_the_active_run_with_a_reason_naming_batchctl(aws):
    active = aws.submit("update_recommendation")
    aws.set_job(active, status="RUNNING")
    result = aws.run("run", "update", "--stack", STACK, aws=stack_with(aws, configured("REPLACE")))
    assert result.code == 0, result.err
    assert result.out.startswith("Replaced update_recommendation")
    assert f"  replaced {active}\n" in result.out
    assert aws.job(active).job_stopped_reason.startswith("Replaced by a new run of update_recommendation (batchctl run")


def test_wait_exits_0_when_the_job_succeeds(aws):
    result = aws.run("run", "update", "--wait", "--stack", STACK, aws=stack_with(aws, configured()))
    assert result.code == 0, result.err
    assert "SUCCEEDED" in result.err
    assert "logs: batchctl logs " in result.err


def test_wait_exits_1_when_the_job_fails(aws, monkeypatch):
    monkeypatch.setenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", "0")
    result = aws.run("run", "update", "--wait", "-o", "json", "--stack", STACK, aws=stack_with(aws, configured()))
    assert result.code == 1
    assert result.json()["finalStatus"] == "FAILED"


def test_unknown_configured_job_is_a_usage_error(aws):
    result = aws.run("run", "nightly", "--stack", STACK, aws=stack_with(aws, configured()))
    assert result.code == 2
    assert result.err == f"batchctl: unknown job 'nightly' in stack {STACK} (configured jobs: update)\n"


def test_run_takes_the_job_from_the_config_file(aws, tmp_path):
    config = tmp_path / "app.toml"
    config.write_text(
        f'[cluster]\nname = "{QUEUE}"\n'
        '[jobs.update]\njob_name = "update_recommendation"\nimage = "busybox"\nschedule = "rate(3 hours)"\n'
        'concurrency_policy = "FORBID"\nparameters = { Arg2 = "from-config" }\n'
    )
    result = aws.run("run", "update", "--config", str(config))
    assert result.code == 0, result.err
    (job,) = jobs_named(aws, "update_recommendation")
    assert job["parameters"]["Arg2"] == "from-config"
    assert job["jobQueue"].endswith(f"/{QUEUE}")


def test_wait_polls_until_the_job_ends(aws):
    from batchctl.cli import build_parser
    from batchctl.commands import Context, wait_for_job

    job_id = aws.submit("update_recommendation")
    aws.set_job(job_id, status="RUNNABLE")
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        aws.set_job(job_id, status="RUNNING" if len(sleeps) == 1 else "SUCCEEDED")

    err = io.StringIO()
    context = Context(args=build_parser().parse_args(["run", "x"]), out=io.StringIO(), err=err, sleep=sleep, tz=None)
    final = wait_for_job(context, SESSION.client("batch"), job_id, 7.5)
    assert final["status"] == "SUCCEEDED"
    assert sleeps == [7.5, 7.5]
    assert [line.split("  ")[-1] for line in err.getvalue().splitlines()[:3]] == ["RUNNABLE", "RUNNING", "SUCCEEDED"]
    assert json.dumps(final)  # the detail is plain data
