"""The submit function's tests run against moto's Batch: one queue, one definition, runs in any status."""

from __future__ import annotations

import pytest
from moto import mock_aws

from batch_stack_lambdas.submit_job.policy import Decision, submit_with_policy
from tests.fake_batch import FakeBatch

JOB = "update_recommendation"


class JobBatch(FakeBatch):
    """The fake Batch, plus one call of submit_with_policy for the job it defines."""

    def decide(self, policy: str, **kwargs) -> Decision:
        return submit_with_policy(
            self.client,
            job_name=JOB,
            job_queue=self.queue,
            job_definition=self.definition,
            parameters={"scheduled_time": "2025-01-01T03:00:00Z"},
            policy=policy,
            **kwargs,
        )


@pytest.fixture
def fake_batch():
    with mock_aws(config={"batch": {"use_docker": False}}):
        yield JobBatch(job_definition_name=JOB)
