"""The README's complete Python examples (those that end in ``app.synth()``) run as written."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

EXAMPLES = [
    block
    for block in re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    if block.rstrip().endswith("app.synth()")
]


def test_the_readme_has_complete_examples():
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda block: block.split("\n", 1)[0][:40])
def test_readme_example_synthesizes(example):
    namespace: dict = {"__name__": "readme_example"}
    exec(compile(example, "README.md", "exec"), namespace)  # noqa: S102 -- our own README's example
    (stack,) = namespace["app"].synth().stacks  # synthesized once already; this returns that assembly
    assert stack.template["Resources"]
