"""The gates every pull request passes: cdk-nag, cfn-lint, and no secret in a template."""

from __future__ import annotations

import json
import re

import pytest

SECRET_PATTERNS = [
    re.compile(r"hooks\.slack\.com/services/"),
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"xox[bp]-[0-9]"),
]
#: A plain environment variable whose name says secret: only where the config says it is not one.
SECRET_NAME = re.compile(r'"Name"\s*:\s*"([A-Z_]*(?:PASSWORD|SECRET|TOKEN|WEBHOOK)[A-Z_]*)"\s*,\s*"Value"')


@pytest.fixture(params=["default_app", "all_options_app"])
def synthesized(request):
    return request.getfixturevalue(request.param)


def test_cdk_nag_reports_no_violation(synthesized):
    # The fixture synthesized with AwsSolutionsChecks on; a finding would have raised there.
    report = json.loads((synthesized.outdir / "validation-report.json").read_text())
    violations = [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])]
    assert violations == []
    assert synthesized.template_json["Resources"]


def test_cdk_nag_is_active_in_build_app(tmp_path):
    """A known violation added to the default app must fail its synth: the gate is real."""
    from aws_cdk import aws_sqs as sqs

    from app import build_app

    config = tmp_path / "minimal.toml"
    config.write_text('[cluster]\nname = "minimal"\n')
    app = build_app(config, nag=True, outdir=str(tmp_path / "out"))
    (stack,) = [c for c in app.node.children if hasattr(c, "template_options")]
    sqs.Queue(stack, "PlainQueue")
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = (tmp_path / "out" / "validation-report.json").read_text()
    assert "AwsSolutions-SQS4" in report


def test_an_app_with_an_explicit_account_and_region_passes_cdk_nag(tmp_path):
    """The acknowledged findings name ARNs; with a fixed account and region they read differently."""
    from app import build_app

    config = tmp_path / "pinned.toml"
    config.write_text(
        "[app]\naccount = '123456789012'\nregion = 'ap-northeast-1'\n[cluster]\nspot = true\n"
        "[jobs.nightly]\necr_repository = 'team/app'\nschedule = 'rate(1 day)'\nconcurrency_policy = 'REPLACE'\n"
        "[jobs.nightly.secrets]\nDB_PASSWORD = { secret = 'team/db', field = 'password' }\n"
        "[jobs.train]\nimage = 'busybox'\nschedule = 'rate(1 day)'\ncapacity = 'spot'\n"
    )
    build_app(config, nag=True, outdir=str(tmp_path / "out")).synth()  # a finding raises here
    report = json.loads((tmp_path / "out" / "validation-report.json").read_text())
    assert [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])] == []


def test_cfn_lint_finds_no_errors(synthesized):
    from cfnlint.api import ManualArgs, lint

    # W3005: CDK emits DependsOn that cfn-lint finds redundant; harmless.
    config = ManualArgs(ignore_checks=["W3005"], regions=["us-east-1", "ap-northeast-1"])
    problems = [
        f"{template_file.name}: {match}"
        for template_file in synthesized.template_files()
        for match in lint(template_file.read_text(), config=config)
    ]
    assert problems == []


def test_no_secret_values_in_any_template(synthesized):
    allowed = {name for job in synthesized.config.jobs.values() for name in job.allow_plain_environment}
    for template_file in synthesized.template_files():
        text = template_file.read_text()
        for pattern in SECRET_PATTERNS:
            assert not pattern.search(text), f"{template_file.name} matches {pattern.pattern}"
        names = {match.group(1) for match in SECRET_NAME.finditer(text)}
        assert names <= allowed, f"{template_file.name} has plain variables named as secrets: {sorted(names - allowed)}"
