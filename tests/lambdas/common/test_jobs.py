"""common.jobs: one reading of a JobDetail, checked on the recorded events of the notifier and the outcome metrics."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lambdas import common
from tests.lambdas.conftest import event, job_metrics_event

QUEUE, DEFINITION, GROUP = "go-active-learning", "update_recommendation:4", "/aws/batch/go-active-learning"
#: fixture -> (queue, definition, platform, attempts, exit code, log group, log stream)
RECORDED = {
    "job_ec2_failed": (QUEUE, DEFINITION, "EC2", 2, 1, GROUP, "update_recommendation/default/4c7599ae"),
    "job_fargate_failed": (QUEUE, DEFINITION, "Fargate", 1, 137, GROUP, "update_recommendation/default/5d8a1b2c"),
    "job_eks_failed": (QUEUE, "estimate_gmm_eks:2", "EKS", 1, 2, None, None),
    "job_multinode_failed": (QUEUE, DEFINITION, "EC2 multi-node", 1, 1, GROUP, "update_recommendation/default/7fac3d4e"),
    "job_array_parent_failed": (QUEUE, DEFINITION, "EC2", 0, None, GROUP, None),
    "job_failed_before_start": (QUEUE, DEFINITION, "EC2", 1, None, GROUP, None),
}


@pytest.mark.parametrize("fixture", sorted(RECORDED))
def test_recorded_job_details_read_as_expected(fixture):
    detail = event(fixture)["detail"]
    queue, definition, platform, attempts, exit_code, group, stream = RECORDED[fixture]
    assert (common.queue_name(detail), common.definition_name(detail), common.platform(detail)) == (queue, definition, platform)
    assert len(common.attempts(detail)) == attempts
    assert common.exit_code(detail) == exit_code
    assert common.log_location(detail) == (group, stream)


def test_times_are_the_jobs_else_its_last_attempts():
    detail = event("job_ec2_failed")["detail"]
    assert common.created_at(detail) == datetime(2024, 5, 1, 2, 53, 20, tzinfo=UTC)
    assert (common.started_at(detail), common.stopped_at(detail)) == (
        datetime(2024, 5, 1, 3, 0, tzinfo=UTC),
        datetime(2024, 5, 1, 3, 5, 9, tzinfo=UTC),
    )
    del detail["startedAt"], detail["stoppedAt"]
    assert (common.started_at(detail), common.stopped_at(detail)) == (
        datetime(2024, 5, 1, 3, 0, tzinfo=UTC),
        datetime(2024, 5, 1, 3, 5, 9, tzinfo=UTC),
    )
    never_started = event("job_failed_before_start")["detail"]
    assert common.started_at(never_started) is None and common.stopped_at(never_started) is not None


def test_an_eks_jobs_attempts_exit_code_and_reason_come_from_its_pod():
    detail = event("job_eks_failed")["detail"]
    assert common.ecs_attempts(detail) == [] and len(common.attempts(detail)) == 1
    assert common.eks_container(detail) == {"exitCode": 2, "reason": "Error"}
    del detail["eksAttempts"]
    assert common.eks_container(detail)["name"] == "main"  # the pod's container, when no attempt has one
    assert common.exit_code(detail) == 2


def test_the_reason_falls_back_from_the_job_to_its_containers_and_attempt():
    detail = event("job_fargate_failed")["detail"]
    assert common.status_reason(detail).startswith("OutOfMemoryError: Container killed")
    bare = {"attempts": [{"statusReason": "Essential container in task exited", "container": {}}]}
    assert common.status_reason(bare) == "Essential container in task exited"
    assert common.status_reason({}) == ""


@pytest.mark.parametrize(
    ("fixture", "child"),
    [
        ("array_child_succeeded", True),
        ("mnp_node_succeeded", True),
        ("array_parent_succeeded", False),
        ("failed_after_retries_fargate", False),
        ("eks_succeeded", False),
    ],
)
def test_children_of_arrays_and_nodes_of_multi_node_jobs_are_told_apart(fixture, child):
    assert common.is_child(job_metrics_event(fixture)["detail"]) is child


def test_an_array_child_is_known_by_its_index_and_a_node_by_its_id():
    assert common.is_array_child(event("job_array_child_failed")["detail"])
    assert common.array_properties(event("job_array_parent_failed")["detail"])["size"] == 100
    assert common.is_child({"jobId": "abc:3"}) and common.is_child({"jobId": "abc#1"}) and not common.is_child({"jobId": "abc"})


def test_the_log_group_is_batchs_default_unless_named_and_none_for_another_driver():
    detail = event("job_ec2_failed")["detail"]
    detail["container"]["logConfiguration"] = {"logDriver": "awslogs"}
    assert common.log_location(detail)[0] == common.DEFAULT_LOG_GROUP == "/aws/batch/job"
    detail["container"]["logConfiguration"] = {"logDriver": "splunk", "options": {"awslogs-group": "/ignored"}}
    assert common.log_location(detail) == (None, None)
    assert common.awslogs_group({"options": {"awslogs-group": "/mine"}}) == "/mine"


@pytest.mark.parametrize(
    "detail",
    [
        {},
        {"attempts": "x", "container": [], "jobQueue": None, "nodeProperties": {"nodeRangeProperties": ["?"]}},
        {"eksAttempts": [1, None]},
    ],
)
def test_odd_shapes_read_as_empty_values(detail):
    assert common.attempts(detail) == [] and common.last_attempt(detail) == {}
    assert (common.exit_code(detail), common.status_reason(detail), common.started_at(detail)) == (None, "", None)
    assert common.queue_name(detail) == "" and common.container(detail) == {}


def test_names_come_from_arns_and_names_stay_names():
    assert common.name_from_arn("arn:aws:batch:us-east-1:123456789012:job-queue/go-active-learning") == "go-active-learning"
    assert common.name_from_arn("arn:aws:batch:us-east-1:123456789012:job-definition/fetch_entries:3") == "fetch_entries:3"
    assert common.name_from_arn("go-active-learning") == "go-active-learning"


@pytest.mark.parametrize(
    ("arn", "short"),
    [
        ("arn:aws:ecs:us-east-1:123456789012:task/cluster/abc", "task/cluster/abc"),
        ("arn:aws:ecs:us-east-1:123456789012:container-instance/cluster/i-1", "container-instance/cluster/i-1"),
        ("TBD", None),
        ("", None),
        (None, None),
        ("i-0123", "i-0123"),
    ],
)
def test_short_arns_drop_the_partition_region_and_account(arn, short):
    assert common.short_arn(arn) == short
