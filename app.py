#!/usr/bin/env python3
"""The default CDK app: one stack built from a TOML config file.

``build_app()`` has no side effects, so tests and other apps can import it;
synthesis happens only when this file is run (``npx cdk synth`` / ``make synth``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from batch_stack.config import load_config
from batch_stack.stack import BatchJobsStack
from batch_stack.synth import synth_app


def build_app(config_path: str | Path | None = None, *, nag: bool | None = None, **app_kwargs: Any) -> cdk.App:
    """Build the app for a config file.

    :param config_path: The config file. Default: the ``config`` context value
        (``-c config=...``), else ``config/default.toml``.
    :param nag: Run cdk-nag's AwsSolutions checks at synth (findings fail synth).
        Default: the ``nag`` context value, else off.
    :param app_kwargs: Passed to :class:`aws_cdk.App` (e.g. ``outdir``, ``context``).
    """
    app = cdk.App(**app_kwargs)
    config = load_config(config_path or app.node.try_get_context("config"))
    env = (
        cdk.Environment(account=config.app.account, region=config.app.region) if config.app.account or config.app.region else None
    )
    BatchJobsStack(app, config.app.stack_name, config=config, env=env)
    if nag if nag is not None else _truthy(app.node.try_get_context("nag")):
        from cdk_nag import AwsSolutionsChecks

        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def main() -> int:
    """Synthesize the app: a config error, a failed construct check or a wrong prop type is one line on stderr, exit 2."""
    return synth_app(build_app)


if __name__ == "__main__":
    sys.exit(main())
