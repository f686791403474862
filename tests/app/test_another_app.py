"""The library as another CDK app uses it: installed into its own folder, next to an app with a ``lambdas`` package of its own.

The library is installed as a user installs it from a clone (``pip install --no-deps
--no-build-isolation --target <dir> <clone>``: a built wheel, not this repository on
the path), from a copy of its sources so that the build writes nothing into the
clone. The app then runs from its own directory with ``<dir>`` first on
``PYTHONPATH`` (so that this virtualenv's editable install cannot answer for it) and
the pinned Node first on ``PATH``, as the README tells such an app to. Offline: the
wheel's dependencies are this virtualenv's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT

#: What the wheel is built from: the packages and the files pyproject.toml names.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "batch_stack", "batchctl", "lambdas")

THEIR_HANDLER = "def handler(event, context):\n    return {'their': 'own'}\n"

THEIR_APP = textwrap.dedent('''
    """Another team's CDK app: its own lambdas package, its own config, this library's constructs."""
    import json
    import sys

    import aws_cdk as cdk
    from aws_cdk import aws_ecs as ecs
    from aws_cdk import aws_lambda as lambda_

    import lambdas
    from batch_stack import BatchCluster, ConcurrencyPolicy, ScheduledBatchJob, load_config, synth_app


    def build() -> cdk.App:
        app = cdk.App()
        config = load_config()  # ./config/default.toml of this app
        stack = cdk.Stack(app, config.app.stack_name)
        cluster = BatchCluster(stack, "Cluster", name="their-jobs")
        image = ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/busybox:1.37")
        for policy in (ConcurrencyPolicy.FORBID, ConcurrencyPolicy.ALLOW):
            ScheduledBatchJob(
                stack,
                f"Job{policy.value.title()}",
                job_name=f"their_{policy.value.lower()}",
                job_queue=cluster.job_queue,
                image=image,
                command=["echo", "Ref::scheduled_time"],
                schedule="rate(3 hours)",
                concurrency_policy=policy,
            )
        lambda_.Function(
            stack,
            "TheirFunction",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="handler.handler",
            code=lambda_.Code.from_asset(lambdas.__path__[0]),
        )
        return app


    if __name__ == "__main__":
        import batch_stack
        import batch_stack_lambdas

        print(json.dumps({"batch_stack": batch_stack.__file__, "function_code": batch_stack_lambdas.__file__,
                          "their_lambdas": lambdas.__file__}), file=sys.stderr)
        sys.exit(synth_app(build))
''')


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The library installed from a copy of this clone into a folder of its own."""
    base = tmp_path_factory.mktemp("installed")
    clone, target = base / "clone", base / "site"
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, clone / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            clone.mkdir(exist_ok=True)
            shutil.copy2(source, clone / name)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index"]
    command += ["--no-deps", "--no-build-isolation", "--target", str(target), str(clone)]
    subprocess.run(command, check=True, capture_output=True, text=True)
    return target


@pytest.fixture(scope="module")
def their_app(installed, tmp_path_factory) -> Path:
    app_dir = tmp_path_factory.mktemp("their_app")
    (app_dir / "lambdas").mkdir()
    (app_dir / "lambdas" / "__init__.py").write_text('"""Their own function code."""\n')
    (app_dir / "lambdas" / "handler.py").write_text(THEIR_HANDLER)
    (app_dir / "config").mkdir()
    (app_dir / "config" / "default.toml").write_text('[app]\nstack_name = "TheirApp"\n')
    (app_dir / "app.py").write_text(THEIR_APP)
    return app_dir


def run_their_app(app_dir: Path, installed: Path, outdir: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": str(installed),
        # The pinned CLI's Node 22, as the README says: node_modules/.bin first on PATH.
        "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ['PATH']}",
        "CDK_OUTDIR": str(outdir),
    }
    return subprocess.run([sys.executable, "app.py"], cwd=app_dir, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def synthesized(their_app, installed, tmp_path_factory) -> tuple[dict, dict, Path, str]:
    outdir = tmp_path_factory.mktemp("cdk.out")
    result = run_their_app(their_app, installed, outdir)
    assert result.returncode == 0, result.stderr
    where = json.loads(result.stderr.strip().splitlines()[0])
    return where, json.loads((outdir / "TheirApp.template.json").read_text()), outdir, result.stderr


def test_the_wheel_installs_the_function_code_under_its_own_name(installed):
    assert sorted(p.name for p in installed.iterdir() if (p / "__init__.py").is_file()) == [
        "batch_stack",
        "batch_stack_lambdas",
        "batchctl",
    ]
    assert (installed / "batch_stack_lambdas" / "submit_job" / "handler.py").is_file()
    assert (installed / "batch_stack_lambdas" / "common" / "jobs.py").is_file()


def test_the_app_imports_the_installed_library_and_its_own_lambdas(synthesized, their_app, installed):
    where, *_ = synthesized
    assert Path(where["batch_stack"]).is_relative_to(installed)
    assert Path(where["function_code"]).is_relative_to(installed)
    assert Path(where["their_lambdas"]).resolve() == (their_app / "lambdas" / "__init__.py").resolve()


def test_a_forbid_job_and_an_allow_job_synthesize(synthesized):
    _, template, *_ = synthesized
    resources = template["Resources"].values()
    definitions = sorted(r["Properties"]["JobDefinitionName"] for r in resources if r["Type"] == "AWS::Batch::JobDefinition")
    assert definitions == ["their_allow", "their_forbid"]
    schedules = {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::Scheduler::Schedule"}
    (allow,) = [r for k, r in schedules.items() if k.startswith("JobAllow")]
    (forbid,) = [r for k, r in schedules.items() if k.startswith("JobForbid")]
    # ALLOW: the schedule calls SubmitJob itself; FORBID: the submit function decides.
    assert allow["Properties"]["Target"]["Arn"]["Fn::Join"][1][-1] == ":scheduler:::aws-sdk:batch:submitJob"
    assert forbid["Properties"]["Target"]["Arn"]["Fn::GetAtt"][1] == "Arn"


def test_each_function_asset_holds_its_own_code(synthesized):
    """The library's submit function comes from the installed package, the app's function from the app's lambdas/."""
    _, template, outdir, _ = synthesized
    assets = {
        r["Properties"]["Handler"]: outdir / f"asset.{r['Properties']['Code']['S3Key'].removesuffix('.zip')}"
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
    }
    assert set(assets) == {"submit_job.handler.handler", "handler.handler"}
    submit = assets["submit_job.handler.handler"]
    assert sorted(p.name for p in submit.iterdir()) == ["common", "submit_job"]
    assert (assets["handler.handler"] / "handler.py").read_text() == THEIR_HANDLER


def test_jsii_runs_on_the_pinned_node_without_a_warning(synthesized):
    """On Node 20 jsii prints a banner ("... end-of-life ...") on every run: the app only prints where its modules are."""
    *_, stderr = synthesized
    assert len(stderr.strip().splitlines()) == 1, stderr


def test_without_its_config_the_app_fails_with_one_line_naming_the_path(their_app, installed, tmp_path):
    app_dir = tmp_path / "app"
    shutil.copytree(their_app, app_dir, ignore=shutil.ignore_patterns("config"))
    result = run_their_app(app_dir, installed, tmp_path / "out")
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 2
    assert errors == [
        "error: config/default.toml: cannot read the config file: it does not exist "
        f"(no config given: the default is config/default.toml in the current directory, {app_dir})"
    ]
    assert "Traceback" not in result.stderr
