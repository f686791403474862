"""What the tests of the Lambda functions share: the recorded events, and reading the metrics a function printed.

The fixtures stay in ``events/`` (the notifier's events, also read by
``tests/constructs``) and ``job_metrics_events/`` (the outcome metrics'), where the
construct tests and ``benchmarks/notifier_burst.py`` find them too.
"""

from __future__ import annotations

import json
from pathlib import Path

EVENTS = Path(__file__).resolve().parent / "events"
JOB_METRICS_EVENTS = Path(__file__).resolve().parent / "job_metrics_events"


def event(name: str) -> dict:
    """One of the notifier's recorded events (``events/<name>.json``)."""
    return json.loads((EVENTS / f"{name}.json").read_text())


def job_metrics_event(name: str) -> dict:
    """One of the outcome metrics' recorded events (``job_metrics_events/<name>.json``)."""
    return json.loads((JOB_METRICS_EVENTS / f"{name}.json").read_text())


def emf_documents(text: str) -> list[dict]:
    """The embedded-metric-format documents among the lines a function printed."""
    documents = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [d for d in documents if "_aws" in d]
