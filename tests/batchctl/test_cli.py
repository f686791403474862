"""The command line itself: --help is instant and light, usage errors exit 2, the console script exists."""

from __future__ import annotations

import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from batchctl.cli import build_parser
from tests.batchctl.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
HEAVY_MODULES = ("aws_cdk", "jsii", "boto3", "botocore", "rich", "batch_stack", "constructs")


def test_help_imports_no_aws_sdk_cdk_or_rich():
    probe = (
        "import sys\n"
        "from batchctl.cli import main\n"
        "code = main(['--help'])\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(done.stderr.split())
    assert "batchctl" in loaded
    assert loaded.isdisjoint(HEAVY_MODULES), loaded & set(HEAVY_MODULES)
    assert "usage: batchctl" in done.stdout


def test_help_answers_in_under_half_a_second():
    best = float("inf")
    for _ in range(3):  # the best of three, so that a busy machine does not fail the test
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "batchctl", "--help"], cwd=ROOT, capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
    assert b"exit codes: 0 ok, 1 the job did not succeed" in done.stdout
    assert best < 0.5


@pytest.mark.parametrize("command", ["jobs", "show", "logs", "status", "run"])
def test_every_command_has_help(command, capsys):
    assert run_cli(command, "--help").code == 0
    assert f"usage: batchctl {command}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["jobs", "--status", "DONE"], "expected one of SUBMITTED, PENDING, RUNNABLE"),
        (["jobs", "--sort", "name"], "invalid choice: 'name'"),
        (["jobs", "--limit", "-1"], "expected 0 or more"),
        (["logs", "job-1", "--attempt", "0"], "attempts are numbered from 1"),
        (["run", "update", "--param", "Arg1"], "expected key=value, got 'Arg1'"),
        (["run", "update", "--interval", "0"], "expected more than 0 seconds"),
        (["explode"], "invalid choice: 'explode'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_arguments_exit_2_with_argparse_message(argv, message, capsys):
    assert run_cli(*argv).code == 2
    assert message in capsys.readouterr().err


def test_common_options_go_before_or_after_the_command():
    parser = build_parser()
    after = parser.parse_args(["jobs", "--region", "eu-west-1", "--stack", "App"])
    before = parser.parse_args(["--region", "eu-west-1", "--stack", "App", "jobs"])
    assert (after.region, after.stack) == (before.region, before.stack) == ("eu-west-1", "App")
    assert parser.parse_args(["jobs"]).profile is None


def test_param_is_repeatable_and_keeps_equals_signs_in_values():
    args = build_parser().parse_args(["run", "update", "--param", "Arg1=a=b", "--param", "Arg2="])
    assert args.param == [("Arg1", "a=b"), ("Arg2", "")]


def test_console_script_is_declared_and_the_package_is_shipped():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["batchctl"] == "batchctl.cli:main"
    assert "batchctl" in project["tool"]["setuptools"]["packages"]
    assert any(dependency.startswith("rich") for dependency in project["project"]["dependencies"])
