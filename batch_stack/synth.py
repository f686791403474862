"""Synthesize an app from the command line: a mistake in its input is one line on stderr and exit code 2.

An app's ``app.py`` ends with::

    if __name__ == "__main__":
        sys.exit(synth_app(build_app))
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import TextIO

import aws_cdk as cdk

from batch_stack.props import PropTypeError

#: How the CDK's message starts when construct validations (``node.add_validation``) fail at synth.
VALIDATION_FAILED = "ValidationFailedWithErrors:"
#: One error of that message: ``  [Stack/Monitor] BatchQueueMonitor 'Monitor': watches no job queue: ...``.
_LISTED_ERROR = re.compile(r"^\s+\[[^\]]*\] (.+)$")


def synth_app(build: Callable[[], cdk.App], *, stderr: TextIO | None = None) -> int:
    """Build the app with ``build()`` and synthesize it; 0 when it synthesizes.

    A mistake in the app's input prints ``error: <message>``, one line per error, to ``stderr``
    (default: ``sys.stderr``) and returns 2: a ``ValueError`` (a config error or a construct's
    own check), a :class:`~batch_stack.props.PropTypeError` (a prop of the wrong type) and the
    CDK's ``ValidationFailedWithErrors`` (construct validations failing at synth; the message of
    each without its ``[path]``). Anything else propagates with its traceback: it is a bug.
    """
    try:
        build().synth()
    except (ValueError, PropTypeError) as error:
        messages = [str(error)]
    except RuntimeError as error:
        messages = validation_errors(error)
        if not messages:
            raise
    else:
        return 0
    for message in messages:
        print(f"error: {message}", file=stderr or sys.stderr)
    return 2


def validation_errors(error: BaseException) -> list[str]:
    """The errors listed by a ``ValidationFailedWithErrors`` error, each without its ``[path]``; [] for any other error."""
    lines = str(error).splitlines()
    if not lines or not lines[0].startswith(VALIDATION_FAILED):
        return []
    return [match.group(1) for line in lines[1:] if (match := _LISTED_ERROR.match(line))]
