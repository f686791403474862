"""Lambda functions run in-process: each from its asset directory in cdk.out, with the environment the template gives it.

A function's modules are imported from its own asset (every asset has a top-level ``common``), so
what runs is what was synthesized. While a function runs, its thread sees only the function's
environment (``os.environ``) and writes to its own stdout: other threads, moto's server among
them, see the process's. Each invocation runs in a thread of its own and has the function's
timeout as its deadline.
"""

from __future__ import annotations

import importlib
import io
import logging
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import boto3

_local = threading.local()
_import_lock = threading.Lock()


class _ThreadEnviron(MutableMapping[str, str]):
    """``os.environ`` as the running function sees it: its own mapping in its thread, the process's elsewhere."""

    def __init__(self, process: MutableMapping[str, str]) -> None:
        self.process = process

    def _current(self) -> MutableMapping[str, str]:
        environ = getattr(_local, "environ", None)
        return self.process if environ is None else environ

    def __getitem__(self, key: str) -> str:
        return self._current()[key]

    def __setitem__(self, key: str, value: str) -> None:
        self._current()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._current()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(dict(self._current()))

    def __len__(self) -> int:
        return len(self._current())

    def copy(self) -> dict[str, str]:
        return dict(self._current())


class _ThreadStdout(io.TextIOBase):
    """``sys.stdout`` as the running function sees it: its invocation's buffer in its thread, the process's elsewhere."""

    def __init__(self, process: TextIO) -> None:
        self.process = process

    def _current(self) -> TextIO:
        stdout = getattr(_local, "stdout", None)
        return self.process if stdout is None else stdout

    def write(self, text: str) -> int:
        return self._current().write(text)

    def flush(self) -> None:
        self._current().flush()

    def isatty(self) -> bool:
        return self._current().isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.process, "encoding", "utf-8")


#: The threads functions run in (and the threads they start), while they are alive.
_function_threads: set[threading.Thread] = set()


@contextmanager
def per_thread_environment() -> Iterator[None]:
    """Install the per-thread ``os.environ`` and ``sys.stdout`` for as long as the block runs.

    A thread a function starts (a thread pool's worker) gets the function's environment and stdout too.
    On exit, a function still running (past its timeout) is an error: it would go on with the process's
    environment.
    """
    environ, stdout, start = os.environ, sys.stdout, threading.Thread.start

    def start_inheriting(thread: threading.Thread) -> None:
        inherited = (getattr(_local, "environ", None), getattr(_local, "stdout", None))
        if inherited[0] is not None:
            run = thread.run

            def run_with_the_functions_environment() -> None:
                _local.environ, _local.stdout = inherited
                try:
                    run()
                finally:
                    _local.environ = _local.stdout = None

            thread.run = run_with_the_functions_environment  # type: ignore[method-assign]
            _function_threads.add(thread)
        start(thread)

    loggers, default_session = set(logging.Logger.manager.loggerDict), boto3.DEFAULT_SESSION
    os.environ = _ThreadEnviron(environ)  # type: ignore[assignment]  # noqa: B003 (a view of it, not a replacement)
    sys.stdout = _ThreadStdout(stdout)
    threading.Thread.start = start_inheriting  # type: ignore[method-assign]
    try:
        yield
        running = [thread.name for thread in _function_threads if thread.is_alive() and not _joined(thread)]
        if running:
            raise RuntimeError(f"functions still running past their timeout: {', '.join(sorted(running))}")
    finally:
        threading.Thread.start = start  # type: ignore[method-assign]
        os.environ, sys.stdout = environ, stdout  # type: ignore[assignment]
        _function_threads.clear()
        # What the functions' modules left in the process: their loggers (Powertools', bound to the proxy above)
        # and boto3's default session (made with a function's credentials).
        for name in set(logging.Logger.manager.loggerDict) - loggers:
            logger = logging.Logger.manager.loggerDict.pop(name)
            if isinstance(logger, logging.Logger):
                logger.handlers.clear()
        boto3.DEFAULT_SESSION = default_session


def _joined(thread: threading.Thread, seconds: float = 0.2) -> bool:
    thread.join(seconds)
    return not thread.is_alive()


@dataclass
class LambdaContext:
    """The context object Lambda passes: the names Powertools and the handlers read, and the deadline."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: str  # a string in Lambda's Python runtime
    log_group_name: str
    log_stream_name: str
    deadline: float
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    identity: Any = None
    client_context: Any = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass
class Invocation:
    """One run of a function: its result or error, and what it wrote to stdout (its log lines and EMF)."""

    function: str
    event: Any
    result: Any = None
    error: str | None = None
    output: str = ""

    @property
    def lines(self) -> list[str]:
        return self.output.splitlines()


@dataclass
class Function:
    """A deployed function as the template defines it, ready to run in-process."""

    logical_id: str
    name: str
    arn: str
    handler: str
    asset: Path
    environment: Mapping[str, str]
    timeout: float
    memory: int
    log_group: str
    invocations: list[Invocation] = field(default_factory=list)
    _handler: Any = None

    def load(self, runtime_environment: Mapping[str, str]) -> Any:
        """Import the handler from the asset directory alone; the asset's modules stay out of ``sys.modules``."""
        if self._handler is not None:
            return self._handler
        module_name, _, attribute = self.handler.rpartition(".")
        tops = {path.stem if path.is_file() else path.name for path in self.asset.iterdir() if not path.name.startswith("_")}
        with _import_lock:
            saved = {name: module for name, module in sys.modules.items() if name.split(".")[0] in tops}
            for name in saved:
                del sys.modules[name]
            sys.path.insert(0, str(self.asset))
            _local.environ = self.full_environment(runtime_environment)
            try:
                module = importlib.import_module(module_name)
                self._handler = getattr(module, attribute)
            finally:
                _local.environ = None
                sys.path.remove(str(self.asset))
                for name in [name for name in sys.modules if name.split(".")[0] in tops]:
                    del sys.modules[name]
                sys.modules.update(saved)
        if not callable(self._handler):
            handler, self._handler = self._handler, None
            kind = type(handler).__name__
            raise TypeError(f"{self.logical_id}: Handler {self.handler!r} is not a function in {self.asset} (a {kind})")
        return self._handler

    def full_environment(self, runtime_environment: Mapping[str, str]) -> dict[str, str]:
        """Lambda's reserved variables, the stand-in endpoint and credentials, then the template's variables."""
        return {
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory),
            "AWS_LAMBDA_LOG_GROUP_NAME": self.log_group,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.14",
            "LAMBDA_TASK_ROOT": str(self.asset),
            "_HANDLER": self.handler,
            **runtime_environment,
            **self.environment,
        }

    def invoke(self, event: Any, runtime_environment: Mapping[str, str]) -> Invocation:
        """Run the handler once, synchronously, in a thread of its own with the function's timeout as deadline."""
        invocation = Invocation(self.logical_id, event)
        try:
            handler = self.load(runtime_environment)
        except Exception as error:  # noqa: BLE001 -- Lambda reports it as the invocation's error (Runtime.ImportModuleError)
            invocation.error = f"Runtime.ImportModuleError: {self.handler}: {type(error).__name__}: {error}"
            invocation.output = traceback.format_exc()
            self.invocations.append(invocation)
            return invocation
        deadline = time.monotonic() + self.timeout
        context = LambdaContext(
            function_name=self.name,
            function_version="$LATEST",
            invoked_function_arn=self.arn,
            memory_limit_in_mb=str(self.memory),
            log_group_name=self.log_group,
            log_stream_name=f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}",
            deadline=deadline,
        )
        output = io.StringIO()

        def run() -> None:
            _local.environ = self.full_environment(runtime_environment)
            _local.stdout = output
            try:
                invocation.result = handler(event, context)
            except Exception as error:  # noqa: BLE001 -- Lambda reports any error as the invocation's
                invocation.error = f"{type(error).__name__}: {error}"
                output.write(traceback.format_exc())
            finally:
                _local.environ = _local.stdout = None

        thread = threading.Thread(target=run, name=f"lambda:{self.name}", daemon=True)
        _function_threads.add(thread)
        thread.start()
        thread.join(self.timeout)
        if thread.is_alive():
            invocation.error = f"Task timed out after {self.timeout:.2f} seconds"
        invocation.output = output.getvalue()
        self.invocations.append(invocation)
        return invocation
