"""End to end: the default app's synthesized template deployed into moto, and the scenario run through what was deployed.

One deployment for this module (about 6 s): every test reads the same run. Nothing here declares
the wiring by hand: the rule, the queues, the mappings, the environments, the secret and the
schedules' inputs are the template's (see emulator/standins.py for what stands in for AWS).
"""

from __future__ import annotations

import copy
import json

import pytest

from emulator import scenario
from emulator.harness import Emulator
from emulator.runtime import Invocation
from emulator.slack import Received


@pytest.fixture(scope="module")
def run(default_app):
    with Emulator.start(default_app.outdir, default_app.stack.stack_name) as emulator:
        outcome = scenario.run(emulator)
        yield emulator, outcome


def test_every_check_of_the_scenario_holds(run):
    emulator, outcome = run
    assert scenario.problems(outcome, emulator) == []


def test_the_stack_is_created_by_cloudformation_and_the_service_apis_only_with_the_listed_skips(run):
    emulator, _ = run
    how = {logical_id: created.split(":")[0] for logical_id, created in emulator.deployment.created_by.items()}
    types = {logical_id: r["Type"] for logical_id, r in emulator.deployment.template["Resources"].items()}
    assert set(how) == set(types)
    # The CLI adds AWS::CDK::Metadata too (make demo skips it); an app synthesized in-process has none.
    assert {types[k] for k, v in how.items() if v == "skipped"} == {"Custom::VpcRestrictDefaultSG"}
    assert {types[k] for k, v in how.items() if v == "service API"} == {
        "AWS::Scheduler::Schedule",
        "AWS::CloudWatch::Alarm",
        "AWS::SQS::QueuePolicy",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::SecretsManager::Secret",
    }
    stack_resources = emulator.clients("cloudformation").describe_stack_resources(StackName=emulator.deployment.stack_name)
    assert {r["LogicalResourceId"] for r in stack_resources["StackResources"]} == {
        k for k, v in how.items() if v == "cloudformation"
    }


def test_the_slack_message_names_the_failed_run_its_exit_code_reason_and_log_tail(run):
    emulator, outcome = run
    (received,) = emulator.slack.received
    text = json.dumps(received.body)
    assert received.path == "/services/T0EMULATOR/B0EMULATOR/emulator"
    assert outcome.failed_job["jobId"] in text and "train_classifier" in text
    assert "exit code 137" in text
    assert "Essential container in task exited" in text
    for line in scenario.FAILED_LOG[-3:]:
        assert json.dumps(line.replace("<", "&lt;").replace(">", "&gt;"))[1:-1] in text


def test_the_notifier_read_the_webhook_from_the_deployed_secret(run):
    emulator, _ = run
    notifier = emulator.deployment.functions[scenario.function_with_handler(emulator, "notify_slack")]
    secret_id = notifier.environment["WEBHOOK_SECRET_ID"]
    assert secret_id == emulator.deployment.outputs["NotifierWebhookSecretArn"]
    assert emulator.clients("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"] == emulator.slack.url


def test_only_this_apps_failed_run_reached_the_notifier(run):
    _, outcome = run
    notified = scenario.records_of(outcome.notifier)
    assert [event["detail"]["jobId"] for event in notified] == [outcome.failed_job["jobId"]]
    put = {event["detail"]["jobId"] for event in outcome.events}
    assert scenario.FOREIGN_JOB_ID in put and outcome.succeeded_job["jobId"] in put


def test_the_outcome_function_counted_the_succeeded_and_the_failed_run_and_not_the_other_apps(run):
    _, outcome = run
    counted = sorted(event["detail"]["jobId"] for event in scenario.records_of(outcome.outcomes))
    assert counted == sorted([outcome.failed_job["jobId"], outcome.succeeded_job["jobId"]])


def test_no_queue_holds_anything_after_the_mappings_drained_them(run):
    emulator, outcome = run
    assert emulator.dead_letter_queues()  # the check below is not vacuous
    assert {k: v for k, v in outcome.queue_depths.items() if v} == {}


def test_the_forbid_schedule_fired_twice_and_submitted_once(run):
    emulator, outcome = run
    assert outcome.first.invocation.result["action"] == "Submitted"
    assert outcome.second.invocation.result["action"] == "Skipped"
    assert outcome.first.input["parameters"]["scheduled_time"] == "2026-12-01T18:00:00Z"
    assert outcome.failed_job["parameters"]["scheduled_time"] == "2026-12-01T18:00:00Z"
    assert scenario._runs_of(emulator, scenario.FORBID_JOB) == [outcome.failed_job["jobId"]]


def test_the_allow_schedule_submitted_its_synthesized_input_through_submit_job(run):
    _, outcome = run
    assert outcome.allow.target.endswith(":scheduler:::aws-sdk:batch:submitJob")
    assert outcome.allow.input["JobName"] == "update_recommendation"
    assert outcome.succeeded_job["status"] == "SUCCEEDED"
    assert outcome.succeeded_job["parameters"]["Arg2"] == "from-EventBridge-Scheduler"


def test_the_gauges_counted_the_active_run_as_list_jobs_does(run):
    _, outcome = run
    assert outcome.gauges_while_active[("go-active-learning-spot", "SubmittedJobs")] == 1
    assert {k: outcome.gauges_while_active[k] for k in outcome.jobs_while_active} == outcome.jobs_while_active


def test_batchctl_lists_the_runs_newest_completion_first_from_the_stacks_outputs(run):
    _, outcome = run
    assert outcome.batchctl.returncode == 0, outcome.batchctl.stderr
    rows = [
        line for line in outcome.batchctl.stdout.splitlines() if "train_classifier" in line or "update_recommendation" in line
    ]
    assert [row.split()[1] for row in rows] == ["update_recommendation", "train_classifier"]
    assert outcome.succeeded_job["jobId"] in rows[0] and outcome.failed_job["jobId"] in rows[1]


def test_the_dead_letter_queues_are_the_six_of_the_template(run):
    emulator, _ = run
    assert [name.rstrip("0123456789ABCDEF") for name in emulator.dead_letter_queues()] == [
        "JobfetchentriesDeadLetterQueue",
        "JobtrainclassifierDeadLetterQueue",
        "JobupdaterecommendationDeadLetterQueue",
        "MonitorJobStateDeadLetters",
        "NotifierDeadLetterQueue",
        "NotifierRuleDeadLetterQueue",
    ]


def _notified(outcome, event):
    body = {"Records": [{"messageId": "m", "body": json.dumps(event)}]}
    outcome.notifier.append(Invocation("Notifier", body))


def _second_submitted(outcome):
    outcome.second.invocation.result = {"action": "Submitted", "reason": "FORBID: no active run, submitted x"}


def _gauge_off(outcome):
    outcome.gauges_while_active[("go-active-learning-spot", "SubmittedJobs")] = 0.0


def _rows_swapped(outcome):
    lines = outcome.batchctl.stdout.splitlines()
    outcome.batchctl.stdout = "\n".join([lines[0], *reversed(lines[1:])])


def _no_exit_code(outcome):
    outcome.batchctl.stdout = outcome.batchctl.stdout.replace(" 137 ", "   - ")


def _other_scheduled_time(outcome):
    outcome.succeeded_job["parameters"]["scheduled_time"] = "unscheduled"


#: One thing broken in a copy of the real outcome, and the problem that must name it.
BROKEN = {
    "succeeded at the notifier": (lambda o: _notified(o, o.events[-1]), "the SUCCEEDED event of update_recommendation reached"),
    "other queue at the notifier": (lambda o: _notified(o, o.events[1]), "the event of another app's queue"),
    "second firing submitted": (
        _second_submitted,
        "train_classifier: the second firing, while a run was active, was not skipped",
    ),
    "hold too short": (
        lambda o: setattr(o, "overlap_lost", True),
        "train_classifier: the first run ended before the second firing",
    ),
    "gauge differs": (_gauge_off, "gauge SubmittedJobs of go-active-learning-spot is 0.0, ListJobs counted 1"),
    "no gauge schedule": (lambda o: setattr(o, "gauge", None), "no schedule of the stack runs the gauge function"),
    "batchctl order": (_rows_swapped, "batchctl jobs did not list the runs newest completion first"),
    "batchctl exit code": (_no_exit_code, "batchctl jobs does not show the failed run's exit code 137"),
    "allow input": (_other_scheduled_time, "update_recommendation: the run's scheduled_time is not the firing's"),
    "allow not counted": (lambda o: o.outcomes.clear(), "the SUCCEEDED event of update_recommendation ("),
}


@pytest.mark.parametrize("breakage", sorted(BROKEN))
def test_each_check_fails_on_its_own_breakage_of_the_real_outcome(run, breakage):
    emulator, outcome = run
    broken = copy.deepcopy(outcome)
    change, expected = BROKEN[breakage]
    change(broken)
    found = scenario.problems(broken, emulator)
    assert any(problem.startswith(expected) for problem in found), found


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda received: received.append(received[0]), "Slack received 2 messages for one failed run"),
        (lambda received: received.__setitem__(0, Received("/", "application/json", {"text": "x"})), "the Slack message lacks"),
        (lambda received: received.clear(), "Slack received no message for the failed run"),
    ],
)
def test_the_message_checks_fail_on_what_slack_received(run, change, expected):
    emulator, outcome = run
    kept = list(emulator.slack.received)
    try:
        change(emulator.slack.received)
        assert any(problem.startswith(expected) for problem in scenario.problems(outcome, emulator))
    finally:
        emulator.slack.received[:] = kept
