"""common.jobs: one reading of a JobDetail, checked on the recorded events of the notifier and the outcome metrics."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from batch_stack_lambdas import common
from tests.lambdas.conftest import event, job_metrics_event

QUEUE, DEFINITION, GROUP = "go-active-learning", "update_recommendation:4", "/aws/batch/go-active-learning"
DEFAULT_GROUP = "/aws/batch/job"
#: fixture -> (queue, definition, platform, attempts, exit code, log group, log stream)
RECORDED = {
    "job_ec2_failed": (QUEUE, DEFINITION, "EC2", 2, 1, GROUP, "update_recommendation/default/4c7599ae"),
    "job_fargate_failed": (QUEUE, DEFINITION, "Fargate", 1, 137, GROUP, "update_recommendation/default/5d8a1b2c"),
    "job_eks_failed": (QUEUE, "estimate_gmm_eks:2", "EKS", 1, 2, None, None),
    "job_multinode_failed": (QUEUE, DEFINITION, "EC2 multi-node", 1, 1, GROUP, "update_recommendation/default/7fac3d4e"),
    "job_array_parent_failed": (QUEUE, DEFINITION, "EC2", 0, None, GROUP, None),
    "job_failed_before_start": (QUEUE, DEFINITION, "EC2", 1, None, GROUP, None),
    # Captured and documented events, as AWS sent them (each carries "eksAttempts": [] or no EKS key at all).
    "captured_ec2_failed": (
        "HLSVIInfraJobQueue6447D2-cWsRRSc5gTBfC4g1",
        "HLSVIProcessingJobDef35A-5zZ2aDtcQB9iZ4gW:3",
        "EC2",
        1,
        1,
        "hls-vi-historical-orchestration-processing-dev",
        "job/default/63eb5c704ef244d3aaa78d23d1717e10",
    ),
    "captured_spot_reclaim_failed": (
        None,
        None,
        "EC2",
        3,
        None,
        DEFAULT_GROUP,
        "LandsatTaskBatchJob1274-22c9d72bcea6994/default/c91ac76cc90547158ae62de97c500485",
    ),
    "docs_job_runnable": (None, None, "EC2", 0, None, DEFAULT_GROUP, None),
    "job_multicontainer_failed": (
        QUEUE,
        "train_classifier:3",
        "EC2",
        2,
        137,
        GROUP,
        "train_classifier/trainer/0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    ),
}


@pytest.mark.parametrize("fixture", sorted(RECORDED))
def test_recorded_job_details_read_as_expected(fixture):
    detail = event(fixture)["detail"]
    queue, definition, platform, attempts, exit_code, group, stream = RECORDED[fixture]
    assert common.platform(detail) == platform
    if queue is not None:
        assert (common.queue_name(detail), common.definition_name(detail)) == (queue, definition)
    assert len(common.attempts(detail)) == attempts
    assert common.exit_code(detail) == exit_code
    assert common.log_location(detail) == (group, stream)


@pytest.mark.parametrize(
    "empty",
    [{"eksAttempts": []}, {"eksProperties": {}}, {"eksAttempts": [], "eksProperties": {}}, {"eksAttempts": None}],
    ids=["eksAttempts []", "eksProperties {}", "both empty", "null"],
)
def test_empty_eks_fields_are_never_a_sign_of_eks(empty):
    """Real EC2 and Fargate events carry "eksAttempts": []: the job must still read as ECS, with its log."""
    for fixture in ("job_ec2_failed", "job_fargate_failed", "job_multicontainer_failed"):
        detail = {**event(fixture)["detail"], **empty}
        assert not common.is_eks(detail), fixture
        assert common.platform(detail) in ("EC2", "Fargate")
        assert common.log_location(detail)[1], fixture  # the stream the message links to
        assert common.eks_container(detail) == {}


def test_an_eks_job_is_known_by_its_pod_or_its_attempts():
    detail = event("job_eks_failed")["detail"]
    assert common.is_eks(detail) and common.is_eks({"eksAttempts": [{"containers": []}]})
    assert common.is_eks({"eksProperties": {"podProperties": {}}})
    # Nothing else to go by: empty EKS fields still say nothing.
    for empty in ({"eksAttempts": []}, {"eksAttempts": [{}]}, {"eksProperties": {}}, {"eksAttempts": [], "eksProperties": {}}):
        assert not common.is_eks({"jobId": "j", **empty}) and common.platform({"jobId": "j", **empty}) == "EC2", empty
    # A multi-node job on EKS says so in its node ranges (botocore's NodeRangeProperty.eksProperties).
    nodes = {
        "nodeProperties": {
            "numNodes": 2,
            "nodeRangeProperties": [{"targetNodes": "0:", "eksProperties": {"podProperties": {"containers": [{"name": "c"}]}}}],
        }
    }
    assert common.platform(nodes) == "EKS multi-node" and common.log_location(nodes) == (None, None)
    assert common.eks_container(nodes) == {"name": "c"}
    assert common.platform(event("job_multinode_failed")["detail"]) == "EC2 multi-node"
    # An ECS job's own container wins over a stray EKS field.
    assert not common.is_eks({**event("job_ec2_failed")["detail"], "eksProperties": {"podProperties": {}}})


def multicontainer(**changes) -> dict:
    """The multi-container fixture with containers changed by name, in the last attempt and the job's record alike.

    The job's own record (``ecsProperties``) of an ended job holds its last attempt's values, as in AWS's events.
    """
    detail = event("job_multicontainer_failed")["detail"]
    for containers in (
        detail["attempts"][-1]["taskProperties"][0]["containers"],
        detail["ecsProperties"]["taskProperties"][0]["containers"],
    ):
        for container in containers:
            for key, value in changes.get(container["name"], {}).items():
                if value is None:
                    container.pop(key, None)
                else:
                    container[key] = value
    return detail


def shown(detail: dict) -> tuple:
    return (
        common.container_name(detail),
        common.exit_code(detail),
        common.container_reason(detail),
        common.log_location(detail)[1],
    )


def test_a_multi_container_job_is_shown_by_its_failed_essential_container_with_its_log():
    detail = multicontainer()
    assert [c["name"] for c in common.task_containers(detail["ecsProperties"])] == ["log-router", "trainer", "metrics-sidecar"]
    chosen = common.main_container(detail)
    assert (chosen["name"], chosen["exitCode"], chosen["essential"]) == ("trainer", 137, True)
    assert chosen["logConfiguration"]["options"]["awslogs-group"] == GROUP  # from the job's definition of the container
    assert chosen["taskArn"] == detail["attempts"][-1]["taskProperties"][0]["taskArn"]
    assert shown(detail) == (
        "trainer",
        137,
        "OutOfMemoryError: Container killed due to memory usage",
        "train_classifier/trainer/0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    )
    assert common.status_reason(detail) == "Essential container in task exited"


def test_the_container_that_caused_the_stop_speaks_for_the_job_not_the_ones_stopped_with_it():
    # ECS stops the other containers of the task (SIGTERM: 143, SIGKILL: 137) without a reason.
    stopped_with_it = {"metrics-sidecar": {"exitCode": 143}}
    assert shown(multicontainer(**stopped_with_it))[0] == "trainer"  # the one with a reason
    no_reason = {**stopped_with_it, "trainer": {"exitCode": 1, "reason": None}}
    assert shown(multicontainer(**no_reason))[:3] == ("trainer", 1, "")  # exit 1, not a stop signal
    only_signals = {"metrics-sidecar": {"exitCode": 143}, "trainer": {"exitCode": 137, "reason": None}}
    assert shown(multicontainer(**only_signals))[0] == "trainer"  # the first essential one that failed


def test_a_failed_container_that_is_not_essential_does_not_speak_for_the_job():
    detail = multicontainer(**{"log-router": {"exitCode": 1, "reason": "crashed"}})
    assert common.container_name(detail) == "trainer"
    # No container failed (a SUCCEEDED job): the first essential one stands for it, not the log router.
    succeeded = multicontainer(trainer={"exitCode": 0, "reason": None})
    assert shown(succeeded)[:3] == ("trainer", 0, "")
    assert shown(succeeded)[3].startswith("train_classifier/trainer/")
    # One that never ran (a reason and no exit code) failed too.
    never_ran = multicontainer(trainer={"exitCode": None, "reason": "CannotPullContainerError: not found"})
    assert shown(never_ran)[:3] == ("trainer", None, "CannotPullContainerError: not found")


def test_a_running_retry_is_read_from_the_job_not_from_its_previous_attempt():
    """``attempts`` holds the ended attempts; the running one is the job's own container."""
    detail = event("job_ec2_failed")["detail"]
    detail.update(status="RUNNING", attempts=detail["attempts"][:1])
    detail.pop("stoppedAt")
    detail["container"] = {**detail["container"], "logStreamName": "update_recommendation/default/second"}
    detail["container"].pop("exitCode")
    assert (common.exit_code(detail), common.log_location(detail)[1]) == (None, "update_recommendation/default/second")
    several = multicontainer()
    several.update(status="RUNNING", attempts=several["attempts"][:1])
    for record in several["ecsProperties"]["taskProperties"][0]["containers"]:
        record.pop("exitCode"), record.pop("reason", None)
    assert shown(several)[:3] == ("trainer", None, "")
    assert shown(several)[3] != common.attempt_container(several, several["attempts"][0])["logStreamName"]


def test_each_attempt_of_a_multi_container_job_has_its_own_container():
    detail = event("job_multicontainer_failed")["detail"]
    first, last = (common.attempt_container(detail, attempt) for attempt in common.ecs_attempts(detail))
    assert first["name"] == last["name"] == "trainer"
    assert first["logStreamName"] != last["logStreamName"] and first["taskArn"] != last["taskArn"]
    # Before any attempt (RUNNABLE), the job's own containers are read.
    detail["attempts"] = []
    assert common.main_container(detail)["name"] == "trainer"


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


def test_an_eks_pod_that_failed_in_an_init_container_is_shown_by_it():
    detail = event("job_eks_failed")["detail"]
    detail["eksAttempts"][-1]["initContainers"] = [{"name": "fetch-model", "exitCode": 1, "reason": "Error"}]
    detail["eksAttempts"][-1]["containers"] = [{"name": "main", "reason": "PodInitializing"}]
    assert (common.container_name(detail), common.exit_code(detail)) == ("fetch-model", 1)
    detail["eksAttempts"][-1]["initContainers"][0]["exitCode"] = 0
    detail["eksAttempts"][-1]["containers"][0].update(exitCode=137, reason="OOMKilled")
    assert (common.container_name(detail), common.exit_code(detail), common.container_reason(detail)) == (
        "main",
        137,
        "OOMKilled",
    )


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
