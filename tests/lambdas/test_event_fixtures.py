"""The event fixtures are real shapes: each names its source, and each job's detail is a JobDetail as botocore defines it."""

from __future__ import annotations

import functools
import json
import re

import botocore.session
import pytest
from botocore.validate import ParamValidator

from tests.lambdas.conftest import EVENTS, JOB_METRICS_EVENTS, SOURCE_KEY, load_fixture

FIXTURES = sorted([*EVENTS.glob("*.json"), *JOB_METRICS_EVENTS.glob("*.json")])
#: Made odd on purpose (fields of the wrong type, a field from the future): read as far as it goes.
ODD = {"job_unknown_fields_failed.json"}
#: What names a source: a commit of a public repository, an AWS documentation page, or botocore's model.
SOURCE = re.compile(r"@[0-9a-f]{7,40}\b|docs\.aws\.amazon\.com|botocore")


def ids(paths):
    return [f"{path.parent.name}/{path.name}" for path in paths]


@pytest.mark.parametrize("path", FIXTURES, ids=ids(FIXTURES))
def test_each_fixture_says_first_where_its_shape_comes_from(path):
    raw = json.loads(path.read_text())
    assert next(iter(raw)) == SOURCE_KEY, "the comment comes first"
    assert SOURCE.search(raw[SOURCE_KEY]), raw[SOURCE_KEY]
    assert SOURCE_KEY not in load_fixture(path)


@functools.cache
def describe_jobs_output():
    """DescribeJobs' output shape in botocore's ``batch`` model (read once: loading the model takes a while)."""
    return botocore.session.get_session().get_service_model("batch").operation_model("DescribeJobs").output_shape


JOB_FIXTURES = [path for path in FIXTURES if load_fixture(path).get("detail-type") == "Batch Job State Change"]


@pytest.mark.parametrize("path", JOB_FIXTURES, ids=ids(JOB_FIXTURES))
def test_each_job_detail_is_a_jobdetail_of_botocores_batch_model(path):
    """A ``Batch Job State Change`` detail has DescribeJobs' JobDetail shape: no key or type that the model lacks.

    The model calls ``startedAt`` required, but AWS's own example event of a RUNNABLE job
    (``docs_job_runnable``) has none, nor has any job that never started: that one rule is not checked.
    """
    report = ParamValidator().validate({"jobs": [load_fixture(path)["detail"]]}, describe_jobs_output())
    problems = [
        line
        for line in report.generate_report().splitlines()
        if line and 'Missing required parameter in jobs[0]: "startedAt"' not in line
    ]
    if path.name in ODD:
        assert problems, "the odd fixture should break the model's rules"
    else:
        assert problems == []
