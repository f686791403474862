"""Shared fixtures: fake AWS credentials, and synthesized apps that many tests only read."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "batch-jobs-cdk-hypothesis"))
import hypothesis  # noqa: E402 -- reads HYPOTHESIS_STORAGE_DIRECTORY
import pytest

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config" / "default.toml"
ALL_OPTIONS_CONFIG = ROOT / "tests" / "app" / "all_options.toml"

# No test may reach a real account: boto3 finds these before any real profile.
for _key, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}.items():
    os.environ[_key] = _value
os.environ.pop("AWS_PROFILE", None)

# jsii runs on the Node that package.json pins, as under make, even when pytest is run directly.
_node_bin = ROOT / "node_modules" / ".bin"
if _node_bin.is_dir() and not os.environ.get("PATH", "").startswith(str(_node_bin)):
    os.environ["PATH"] = f"{_node_bin}{os.pathsep}{os.environ.get('PATH', '')}"


# Property tests (hypothesis): nothing written into the clone (no example database, its other files in the temp dir).
hypothesis.settings.register_profile("project", database=None, print_blob=True)
hypothesis.settings.load_profile("project")


class SynthesizedApp:
    """One app synthesized as ``cdk synth`` does (cdk.json's context), cdk-nag on (a finding fails it), read by many tests."""

    def __init__(self, config: Path, outdir: Path) -> None:
        from app import build_app
        from batch_stack.config import load_config

        self.config = load_config(config)
        self.outdir = outdir
        # cdk.json's context (its feature flags), as `cdk synth` and `cdk deploy` give it to the app.
        context = json.loads((ROOT / "cdk.json").read_text())["context"]
        self.assembly = build_app(config, nag=True, outdir=str(outdir), context=context).synth()
        (self.stack,) = self.assembly.stacks
        self.template_json: dict = self.stack.template
        self._template = None

    @property
    def template(self):
        from aws_cdk.assertions import Template

        if self._template is None:
            self._template = Template.from_json(self.template_json)
        return self._template

    def template_files(self) -> list[Path]:
        return sorted(self.outdir.glob("*.template.json"))

    def resources(self, resource_type: str, *, under: str | None = None) -> dict[str, dict]:
        """Resources of one type; with ``under``, only those of that top-level construct of the stack.

        Logical ids start with the ids on their construct path, so ``under="Notifier"``
        keeps the notifier's resources.
        """
        return {
            k: v for k, v in self.template_json["Resources"].items() if v["Type"] == resource_type and k.startswith(under or "")
        }

    def text(self) -> str:
        return json.dumps(self.template_json)


@pytest.fixture(scope="session")
def default_app(tmp_path_factory) -> SynthesizedApp:
    return SynthesizedApp(DEFAULT_CONFIG, tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="session")
def all_options_app(tmp_path_factory) -> SynthesizedApp:
    return SynthesizedApp(ALL_OPTIONS_CONFIG, tmp_path_factory.mktemp("all_options"))
