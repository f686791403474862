"""Helpers the config and stack tests share: a config file written from text, and one job to put in it.

Plain functions (no fixtures), imported as ``from tests.constructs.conftest import ...``;
the session-scoped ``default_app`` / ``all_options_app`` fixtures stay in tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

from batch_stack.config import AppConfig, load_config

#: A cluster with every queue a job can ask for.
CLUSTER = "[cluster]\nspot = true\nfargate = true\n"
#: The smallest valid job.
JOB = "[jobs.nightly]\nimage = 'busybox:1.37'\nschedule = 'rate(1 day)'\n"


def write(tmp_path: Path, text: str) -> Path:
    """``text`` as ``app.toml`` in ``tmp_path``."""
    path = tmp_path / "app.toml"
    path.write_text(text)
    return path


def load(tmp_path: Path, text: str, *, cluster: str = CLUSTER) -> AppConfig:
    """The config of ``cluster`` followed by ``text``."""
    return load_config(write(tmp_path, cluster + text))
