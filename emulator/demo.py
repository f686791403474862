"""``make demo``: deploy the synthesized app into moto on 127.0.0.1 and run the scenario, printing what a user would see.

    python -m emulator.demo [CDK_OUT]     (default: cdk.out, as ``make synth`` leaves it)

Exit 0 when every check of :func:`emulator.scenario.problems` holds, 1 otherwise (each problem on
a line), 2 when the cloud assembly is missing.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from . import scenario, standins
from .harness import Emulator

_LINK = re.compile(r"<([^|<>]+)\|([^<>]+)>")


def slack_text(body: Any) -> list[str]:
    """A Slack message as a reader sees it: the title, then each block's text (links as their labels)."""
    lines = [str(body.get("text", ""))]
    blocks = list(body.get("blocks", []))
    for attachment in body.get("attachments", []):
        blocks.extend(attachment.get("blocks", []))
    for block in blocks:
        text = (block.get("text") or {}).get("text")
        if text:
            lines.append("")
            lines.extend(html.unescape(_LINK.sub(r"\2", text)).replace("```", "").strip("\n").splitlines())
    return lines


def stack_summary(emulator: Emulator) -> list[str]:
    deployment = emulator.deployment
    types = deployment.template["Resources"]
    counts = Counter((types[k]["Type"], how.split(":")[0]) for k, how in deployment.created_by.items())
    width = max(len(kind) for kind, _ in counts)
    return [f"  {count:3d}  {kind:<{width}}  {how}" for (kind, how), count in sorted(counts.items())]


def gauge_lines(outcome: scenario.Outcome) -> list[str]:
    queues = sorted({queue for queue, _ in outcome.gauges_while_active})
    lines = []
    for queue in queues:
        values = {
            metric: value for (q, metric), value in outcome.gauges_while_active.items() if q == queue and metric.endswith("Jobs")
        }
        shown = ", ".join(f"{metric.removesuffix('Jobs')} {value:g}" for metric, value in values.items())
        lines.append(f"  {queue:<28} {shown}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator.demo", description=__doc__.splitlines()[0])
    parser.add_argument("cdk_out", nargs="?", default="cdk.out", type=Path)
    parser.add_argument("--stack", default=None, help="the stack to deploy (default: the assembly's only stack)")
    args = parser.parse_args(argv)
    manifest = args.cdk_out / "manifest.json"
    if not manifest.is_file():
        print(f"demo: {manifest} does not exist: run make synth first", file=sys.stderr)
        return 2
    stacks = [
        name
        for name, artifact in json.loads(manifest.read_text())["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    ]
    stack = args.stack or stacks[0]
    started = time.monotonic()

    def say(line: str = "") -> None:
        print(line, flush=True)

    with Emulator.start(args.cdk_out, stack) as emulator:
        say(f"== Stack {stack}, deployed into moto at {emulator.server.endpoint_url} ({time.monotonic() - started:.1f} s)")
        for line in stack_summary(emulator):
            say(line)
        say("   Stand-ins (what the emulator does in place of AWS):")
        for stand_in in standins.STAND_INS:
            say(f"   - {stand_in.name}: {stand_in.why}")
        say()
        say("== The scenario")
        outcome = scenario.run(emulator, say=lambda line: say(f"  {line}"))
        say()
        say(f"== Slack received {len(emulator.slack.received)} message(s) at {emulator.slack.url}")
        for received in emulator.slack.received:
            for line in slack_text(received.body):
                say(f"  | {line}")
        say()
        say(f"== The gauges while {scenario.FORBID_JOB}'s run was active (EMF of the queue-metrics function)")
        for line in gauge_lines(outcome):
            say(line)
        say()
        say(f"== batchctl jobs --stack {stack}")
        if outcome.batchctl is not None:
            for line in (outcome.batchctl.stdout + outcome.batchctl.stderr).rstrip().splitlines():
                say(f"  {line}")
        found = scenario.problems(outcome, emulator)
    say()
    if found:
        say("== FAILED")
        for problem in found:
            say(f"  - {problem}")
        return 1
    say(f"== Every check held; moto and the webhook are stopped ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
