"""The default app: importable without side effects, built from its config, and clear about bad config."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def test_importing_app_synthesizes_nothing(tmp_path, monkeypatch):
    """app.py's own module code runs (under another module name, in an empty directory): it makes no App and writes nothing."""
    import aws_cdk

    def no_app(*args, **kwargs):
        raise AssertionError("importing app.py made a cdk.App")

    monkeypatch.setattr(aws_cdk, "App", no_app)
    monkeypatch.chdir(tmp_path)
    spec = importlib.util.spec_from_file_location("app_imported_by_a_test", ROOT / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(module.build_app)
    assert os.listdir(tmp_path) == []


def test_default_app_has_the_stack_named_in_config(default_app):
    assert default_app.stack.stack_name == "GoActiveLearningBatch"


def test_default_app_exports_queue_names(default_app):
    outputs = default_app.template_json["Outputs"]
    assert "JobQueueNames" in outputs


def test_default_stack_is_tagged_from_config(default_app):
    (queue,) = [
        q
        for q in default_app.resources("AWS::Batch::JobQueue").values()
        if q["Properties"]["JobQueueName"] == "go-active-learning"
    ]
    assert queue["Properties"]["Tags"] == {"project": "go-active-learning"}


def test_bad_config_fails_synth_with_one_line_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[cluster]\nmax_vcpus = -4\n")
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps({"config": str(bad)}), "CDK_OUTDIR": str(tmp_path / "out")}
    result = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"error: {bad}: cluster.max_vcpus = -4 is not allowed: expected an integer from 1 to 100000"]
    assert "Traceback" not in result.stderr


def test_a_region_without_the_powertools_layer_fails_synth_with_one_line(tmp_path, monkeypatch, capsys):
    """China and GovCloud number their Powertools layers on their own: a stack there must be given a checked ARN."""
    import app

    config = tmp_path / "china.toml"
    config.write_text((ROOT / "config" / "default.toml").read_text().replace("[app]\n", '[app]\nregion = "cn-north-1"\n', 1))
    assert 'region = "cn-north-1"' in config.read_text()
    # In-process: the jsii kernel's environment is fixed at its start, so the config is passed, not set in CDK_CONTEXT_JSON.
    build_app = app.build_app
    monkeypatch.setattr(app, "build_app", lambda: build_app(config, outdir=str(tmp_path / "out")))
    assert app.main() == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith(
        f"error: {config}: app.region = 'cn-north-1' is not allowed: the Powertools layer "
        "AWSLambdaPowertoolsPythonV3-python314-arm64:27 is not published in cn-north-1 (it is in af-south-1, "
    )
