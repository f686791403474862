"""synth_app: a mistake in an app's input is one line per error on stderr and exit code 2; a bug keeps its traceback."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_sqs as sqs

from batch_stack import BatchCluster, BatchQueueMonitor
from batch_stack.synth import synth_app, validation_errors


def app_with(tmp_path, build) -> App:
    app = App(outdir=str(tmp_path))
    build(Stack(app, "S"))
    return app


def error_lines(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def test_an_app_that_synthesizes_returns_0(tmp_path, capsys):
    assert synth_app(lambda: app_with(tmp_path, lambda stack: sqs.Queue(stack, "Queue"))) == 0  # an empty stack is slow: it warns
    assert error_lines(capsys) == []
    assert (tmp_path / "manifest.json").is_file()


@pytest.mark.parametrize(
    ("build", "line"),
    [
        (
            lambda stack: BatchCluster(stack, "Cluster", max_vcpus=-1),  # a construct's own check: ValueError
            "error: BatchCluster 'Cluster': max_vcpus must be ",
        ),
        (
            lambda stack: BatchCluster(stack, "Cluster", spot="yes"),  # a wrong prop type: PropTypeError
            "error: BatchCluster 'Cluster': spot must be true or false, got str 'yes'",
        ),
    ],
    ids=["value-error", "prop-type-error"],
)
def test_an_error_while_building_is_one_line_and_exit_code_2(tmp_path, capsys, build, line):
    assert synth_app(lambda: app_with(tmp_path, build)) == 2
    (printed,) = error_lines(capsys)
    assert printed.startswith(line)


def test_a_config_error_is_one_line(capsys):
    def build() -> App:
        raise ValueError("app.toml: cluster.max_vcpus = -4 is not allowed")

    assert synth_app(build) == 2
    assert error_lines(capsys) == ["error: app.toml: cluster.max_vcpus = -4 is not allowed"]


def test_failed_validations_at_synth_are_one_line_each_without_their_paths(tmp_path, capsys):
    def build() -> App:
        app = App(outdir=str(tmp_path))
        stack = Stack(app, "S")
        BatchQueueMonitor(stack, "M", dashboard=False)
        BatchQueueMonitor(stack, "N", dashboard=False)
        return app

    assert synth_app(build) == 2
    assert error_lines(capsys) == [
        "error: BatchQueueMonitor 'M': watches no job queue: pass job_queues or call watch_queue()",
        "error: BatchQueueMonitor 'N': watches no job queue: pass job_queues or call watch_queue()",
    ]


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError(
            "ValidationFailed: Validation failed. A copy of this report can be found in: cdk.out/validation-report.json"
        ),
        RuntimeError("boom"),
        KeyError("missing"),
        TypeError("a bug, not a prop"),
    ],
    ids=["nag-report", "runtime-error", "key-error", "type-error"],
)
def test_any_other_error_propagates(capsys, error):
    def build() -> App:
        raise error

    with pytest.raises(type(error)) as raised:
        synth_app(build)
    assert raised.value is error
    assert error_lines(capsys) == []


def test_validation_errors_reads_only_the_cdks_list():
    text = "ValidationFailedWithErrors: Validation failed with the following errors:\n  [S/M] first: a\n  [S/N/O] second"
    assert validation_errors(RuntimeError(text)) == ["first: a", "second"]
    assert validation_errors(RuntimeError("something else\n  [S/M] not a validation")) == []
    assert validation_errors(RuntimeError("")) == []


def test_the_stream_can_be_given(capsys):
    import io

    stream = io.StringIO()

    def build() -> App:
        raise ValueError("bad")

    assert synth_app(build, stderr=stream) == 2
    assert stream.getvalue() == "error: bad\n"
    assert error_lines(capsys) == []
