"""What the tests of the Lambda functions share: the recorded events, and reading the metrics a function printed.

The fixtures stay in ``events/`` (the notifier's events, also read by
``tests/constructs``) and ``job_metrics_events/`` (the outcome metrics'), where the
construct tests and ``benchmarks/notifier_burst.py`` find them too.

Each fixture is an event in the shape AWS sends, and says where that shape comes
from (AWS's documented example, a captured event in a public repository, botocore's
``batch`` model) in its first key, ``"//"``: JSON's comment. The loaders here drop
that key, so a test sees the event alone.
"""

from __future__ import annotations

import json
from pathlib import Path

EVENTS = Path(__file__).resolve().parent / "events"
JOB_METRICS_EVENTS = Path(__file__).resolve().parent / "job_metrics_events"
#: The key that holds a fixture's comment: where its shape comes from.
SOURCE_KEY = "//"


def load_fixture(path: Path) -> dict:
    """A fixture file's event, without its ``"//"`` comment."""
    loaded = json.loads(path.read_text())
    loaded.pop(SOURCE_KEY, None)
    return loaded


def event(name: str) -> dict:
    """One of the notifier's recorded events (``events/<name>.json``)."""
    return load_fixture(EVENTS / f"{name}.json")


def job_metrics_event(name: str) -> dict:
    """One of the outcome metrics' recorded events (``job_metrics_events/<name>.json``)."""
    return load_fixture(JOB_METRICS_EVENTS / f"{name}.json")


def emf_documents(text: str) -> list[dict]:
    """The embedded-metric-format documents among the lines a function printed."""
    documents = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [d for d in documents if "_aws" in d]
