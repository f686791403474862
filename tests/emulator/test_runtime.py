"""In-process functions: imported from their own asset, run with exactly their environment, in a thread with a deadline."""

from __future__ import annotations

import os
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from emulator.runtime import Function, per_thread_environment


def _asset(root: Path, name: str, marker: str, body: str = "return {'marker': common.MARKER, 'env': dict(os.environ)}") -> Path:
    """An asset laid out as batch_stack.functions builds them: a top-level ``common`` and the function's package."""
    asset = root / name
    (asset / "common").mkdir(parents=True)
    (asset / "common" / "__init__.py").write_text(f"MARKER = {marker!r}\n")
    (asset / "fn").mkdir()
    (asset / "fn" / "__init__.py").write_text("")
    handler = f"""
        import os
        import sys
        import time
        import common

        print("imported")

        def handler(event, context):
            {body}
        """
    (asset / "fn" / "handler.py").write_text(textwrap.dedent(handler))
    return asset


def _function(asset: Path, **overrides) -> Function:
    values = {
        "logical_id": "Fn",
        "name": "stack-Fn-1",
        "arn": "arn:aws:lambda:us-east-1:123456789012:function:stack-Fn-1",
        "handler": "fn.handler.handler",
        "asset": asset,
        "environment": {"FROM_TEMPLATE": "yes"},
        "timeout": 5.0,
        "memory": 128,
        "log_group": "/aws/lambda/stack-Fn-1",
    }
    return Function(**{**values, **overrides})


def test_the_function_sees_its_template_environment_and_lambdas_variables_only(tmp_path, monkeypatch):
    monkeypatch.setenv("ONLY_IN_THE_TEST_PROCESS", "1")
    with per_thread_environment():
        invocation = _function(_asset(tmp_path, "a", "A")).invoke({}, {"AWS_REGION": "us-east-1"})
        assert os.environ["ONLY_IN_THE_TEST_PROCESS"] == "1"  # the process's own environment is untouched
    env = invocation.result["env"]
    assert invocation.error is None
    assert env["FROM_TEMPLATE"] == "yes" and env["AWS_REGION"] == "us-east-1"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "stack-Fn-1" and env["_HANDLER"] == "fn.handler.handler"
    assert "ONLY_IN_THE_TEST_PROCESS" not in env and "PATH" not in env


def test_two_assets_each_import_their_own_common_and_leave_sys_modules_as_it_was(tmp_path):
    before = {name for name in sys.modules if name.split(".")[0] in ("common", "fn")}
    with per_thread_environment():
        a = _function(_asset(tmp_path, "a", "A")).invoke({}, {})
        b = _function(_asset(tmp_path, "b", "B")).invoke({}, {})
    assert (a.result["marker"], b.result["marker"]) == ("A", "B")
    assert {name for name in sys.modules if name.split(".")[0] in ("common", "fn")} == before


def test_what_the_function_prints_is_its_invocations_output_not_the_processs(tmp_path, capsys):
    with per_thread_environment():
        function = _function(_asset(tmp_path, "a", "A", body="print('from the handler'); return 1"))
        invocation = function.invoke({}, {})
        print("from the test")
    assert invocation.lines == ["from the handler"]
    assert "from the handler" not in capsys.readouterr().out


def test_another_thread_sees_the_process_environment_while_a_function_runs(tmp_path):
    seen = {}
    started, release = tmp_path / "started", tmp_path / "release"
    body = f"""
            open({str(started)!r}, "w").close()
            while not os.path.exists({str(release)!r}):
                time.sleep(0.01)
            return os.environ.get("FROM_TEMPLATE")"""
    with per_thread_environment():
        function = _function(_asset(tmp_path, "a", "A", body=body.strip()))
        worker = threading.Thread(target=lambda: seen.update(result=function.invoke({}, {}).result))
        worker.start()
        while not started.exists():  # the function is running, with its environment in its thread
            threading.Event().wait(0.01)
        seen["main"] = os.environ.get("FROM_TEMPLATE")
        release.touch()
        worker.join()
    assert seen == {"main": None, "result": "yes"}


def test_an_error_is_the_invocations_error_with_its_traceback_in_the_output(tmp_path):
    with per_thread_environment():
        invocation = _function(_asset(tmp_path, "a", "A", body="raise KeyError('JOB_NAME')")).invoke({}, {})
    assert invocation.error == "KeyError: 'JOB_NAME'"
    assert "Traceback" in invocation.output


def test_a_function_past_its_timeout_is_reported_as_lambda_reports_it(tmp_path):
    with per_thread_environment():
        function = _function(_asset(tmp_path, "a", "A", body="time.sleep(0.2); return 1"), timeout=0.1)
        invocation = function.invoke({}, {})
    assert invocation.error == "Task timed out after 0.10 seconds"


def test_the_context_counts_down_to_the_functions_timeout(tmp_path):
    body = "return context.get_remaining_time_in_millis(), context.function_name, context.invoked_function_arn"
    with per_thread_environment():
        remaining, name, arn = _function(_asset(tmp_path, "a", "A", body=body), timeout=30.0).invoke({}, {}).result
    assert 29_000 < remaining <= 30_000
    assert (name, arn) == ("stack-Fn-1", "arn:aws:lambda:us-east-1:123456789012:function:stack-Fn-1")


@pytest.mark.parametrize(
    ("handler", "error"),
    [
        ("fn.handler.time", "TypeError: Fn: Handler 'fn.handler.time' is not a function in "),
        ("fn.nowhere.handler", "ModuleNotFoundError: No module named 'fn.nowhere'"),
        ("fn.handler.absent", "AttributeError: module 'fn.handler' has no attribute 'absent'"),
    ],
)
def test_a_handler_that_cannot_be_loaded_is_the_invocations_error_as_lambda_reports_it(tmp_path, handler, error):
    with per_thread_environment():
        invocation = _function(_asset(tmp_path, "a", "A"), handler=handler).invoke({}, {})
    assert invocation.error.startswith(f"Runtime.ImportModuleError: {handler}: {error}")


def test_a_thread_the_function_starts_has_its_environment_and_its_stdout(tmp_path):
    body = """
            from concurrent.futures import ThreadPoolExecutor
            with ThreadPoolExecutor(2) as pool:
                return list(pool.map(lambda n: (print(n), os.environ.get("FROM_TEMPLATE"))[1], range(2)))"""
    with per_thread_environment():
        invocation = _function(_asset(tmp_path, "a", "A", body=body.strip())).invoke({}, {})
    assert invocation.result == ["yes", "yes"]
    assert sorted(invocation.lines) == ["0", "1"]


def test_a_function_still_running_when_the_emulator_stops_is_an_error(tmp_path):
    function = _function(_asset(tmp_path, "a", "A", body="time.sleep(1); return 1"), timeout=0.1)
    running = pytest.raises(RuntimeError, match="functions still running past their timeout: lambda:stack-Fn-1")
    with running, per_thread_environment():
        function.invoke({}, {})
