"""Synth time of the default app against the hand-written original, side by side in one run.

Two ways, both with this project's cdk.json (feature flags, including
``validateAgainstDefaultRules``) and the same Node 22:

* ``make synth``'s synthesis step: ``cdk synth --quiet`` of each app (the
  baseline through ``--app``), the CLI included, as a user runs it;
* the app process alone: ``python app.py`` with the context the CLI would pass.

Each row runs ``--rounds`` times, alternating with the others; the first round
warms the caches and is not counted. Machines here are noisy: compare the ratio.

    .venv/bin/python benchmarks/synth.py --rounds 7
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BASELINE = "benchmarks/baseline_app.py"
CONTEXT = json.loads((ROOT / "cdk.json").read_text())["context"]

# name -> (command, extra context); "{out}" is replaced by a fresh output directory.
ROWS = {
    "cdk synth: hand-written original": (["cdk", "synth", "--quiet", "--app", f"{PYTHON} {BASELINE}", "-o", "{out}"], {}),
    "cdk synth: default app (make synth)": (["cdk", "synth", "--quiet", "-o", "{out}"], {}),
    "cdk synth: default app with -c nag=true": (["cdk", "synth", "--quiet", "-c", "nag=true", "-o", "{out}"], {}),
    "process: hand-written original": ([PYTHON, BASELINE], CONTEXT),
    "process: default app": ([PYTHON, "app.py"], CONTEXT),
}
BASELINES = {"cdk synth": "cdk synth: hand-written original", "process": "process: hand-written original"}


def run_once(command: list[str], context: dict, outdir: str) -> float:
    env = {**os.environ, "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ['PATH']}"}
    if context:  # the app process alone: pass what the CLI would
        env.update(CDK_OUTDIR=outdir, CDK_CONTEXT_JSON=json.dumps(context))
    start = time.perf_counter()
    subprocess.run(
        [part.replace("{out}", outdir) for part in command],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in ROWS}
    with tempfile.TemporaryDirectory() as tmp:
        for round_number in range(args.rounds + 1):
            for index, (name, (command, context)) in enumerate(ROWS.items()):
                seconds = run_once(command, context, str(Path(tmp) / f"{round_number}-{index}"))
                if round_number:
                    times[name].append(seconds)
    print(f"{'what':45} {'median s':>9} {'ratio':>6}")
    for name, samples in times.items():
        baseline = statistics.median(times[BASELINES[name.split(":")[0]]])
        median = statistics.median(samples)
        print(f"{name:45} {median:9.2f} {median / baseline:6.2f}")
    print(f"({args.rounds} rounds each, alternating; a first warm-up round not counted)")


if __name__ == "__main__":
    main()
