"""Synth time of the default app against the hand-written original, side by side in one run.

Runs each app's synthesis step (the Python process ``cdk synth`` starts) alternately,
``--rounds`` times, on the same Node, and prints the median of each and their ratio.
Machines here are noisy: compare the ratio, not the seconds.

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

APPS = {
    "hand-written original (benchmarks/baseline_app.py)": [sys.executable, str(ROOT / "benchmarks" / "baseline_app.py")],
    "default app (app.py, config/default.toml)": [sys.executable, str(ROOT / "app.py")],
    "default app with cdk-nag (-c nag=true)": [sys.executable, str(ROOT / "app.py")],
}


def run_once(command: list[str], context: dict, outdir: str) -> float:
    env = {
        **os.environ,
        "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ['PATH']}",
        "CDK_OUTDIR": outdir,
        "CDK_CONTEXT_JSON": json.dumps(context),
    }
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    contexts = [{}, {}, {"nag": "true"}]
    times: dict[str, list[float]] = {name: [] for name in APPS}
    with tempfile.TemporaryDirectory() as tmp:
        for round_number in range(args.rounds + 1):
            for (name, command), context in zip(APPS.items(), contexts, strict=True):
                seconds = run_once(command, context, str(Path(tmp) / f"{len(times[name])}-{round_number}"))
                if round_number:  # the first round warms the disk cache and is not counted
                    times[name].append(seconds)
    baseline = statistics.median(times[next(iter(APPS))])
    print(f"{'app':55} {'median s':>9} {'ratio':>6}")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:55} {median:9.2f} {median / baseline:6.2f}")
    print(f"({args.rounds} rounds each, alternating; first warm-up round not counted)")


if __name__ == "__main__":
    main()
