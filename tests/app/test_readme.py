"""The README's snippets run as written: every Python example synthesizes, the config and package.json ones are real."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from tests.conftest import DEFAULT_CONFIG, ROOT

README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.S | re.M)


PYTHON = blocks("python")


def test_the_readme_has_its_examples():
    assert len(PYTHON) >= 3
    assert len(blocks("toml")) >= 1 and len(blocks("json")) >= 1


@pytest.mark.parametrize("example", PYTHON, ids=lambda block: re.sub(r"\W+", "-", block.split("batch_stack import ")[-1][:40]))
def test_every_python_example_is_a_whole_app_that_synthesizes(example):
    """Complete as written (its imports, its own App and stack, ``app.synth()`` at the end), and synthesized without a warning."""
    from aws_cdk.cx_api import SynthesisMessageLevel

    assert example.rstrip().endswith("app.synth()"), "a README example ends in app.synth(), so that it can be copied and run"
    namespace: dict = {"__name__": "readme_example"}
    exec(compile(example, "README.md", "exec"), namespace)  # noqa: S102 -- our own README's example
    (stack,) = namespace["app"].synth().stacks  # synthesized once already; this returns that assembly
    assert stack.template["Resources"]
    assert [m.entry.data for m in stack.messages if m.level != SynthesisMessageLevel.INFO] == []


def test_the_package_json_a_user_copies_pins_what_this_repository_pins():
    (snippet,) = blocks("json")
    ours = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    assert json.loads(snippet)["devDependencies"] == ours


def test_the_config_example_is_valid_in_the_default_config():
    """The ``[monitoring]``/``[mackerel]`` example names the default config's queues and jobs: together they load."""
    from batch_stack.config import parse_config

    (snippet,) = blocks("toml")
    data = {**tomllib.loads(DEFAULT_CONFIG.read_text()), **tomllib.loads(snippet)}
    config = parse_config(data, "README.md")
    assert config.mackerel is not None and config.monitoring.alarm_emails == ("ops@example.com",)


def test_every_make_target_the_readme_names_exists():
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), flags=re.M))
    named = set(re.findall(r"\bmake ([a-z][a-z-]*)", README))
    assert named and named <= targets


def test_every_script_the_readme_runs_exists():
    named = set(re.findall(r"\b((?:scripts|benchmarks)/[\w/]+\.py)\b", README))
    assert named and all((ROOT / path).is_file() for path in named), named
