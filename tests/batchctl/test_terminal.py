"""``batchctl jobs`` run as a user runs it, under a pseudo-terminal of 80 columns: whole ids, every row's status.

The jobs are moto's: ``moto.server.ThreadedMotoServer`` serves them over HTTP on
127.0.0.1, and batchctl, a subprocess, reaches it through ``AWS_ENDPOINT_URL``. The pseudo-terminal is the
only one the child has, so rich measures it as it would a real terminal.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from datetime import timedelta

import pytest
from moto.batch.models import batch_backends
from moto.core import DEFAULT_ACCOUNT_ID

from batchctl import listing
from tests.batchctl.conftest import DEFINITION, QUEUE, REGION, T0
from tests.conftest import ROOT

COLUMNS = 80
LONG_NAME = "update_recommendation_for_every_active_user_of_the_catalogue"
#: What a terminal reads: CSI sequences (colours, cursor, erase), OSC ones (a title), line controls, and text.
TOKENS = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b.?|\r|\n|[^\x1b\r\n]+")
TIMEOUT = 30


@pytest.fixture
def endpoint(aws):
    """moto's server on 127.0.0.1, serving the ``aws`` fixture's mock (the same in-process backends): its URL."""
    from emulator.server import threaded_moto_server

    server = threaded_moto_server()  # not emulator.server.MotoServer: it would reset the backends the mock filled
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def settle(job_ids):
    """Wait for moto's job threads to finish, so that what the test sets on a job stays set."""
    jobs = batch_backends[DEFAULT_ACCOUNT_ID][REGION]._jobs
    for job_id in job_ids:
        job = jobs[job_id]
        if job.is_alive():
            job.join(TIMEOUT)


def list_as_batch_does(monkeypatch, children: list[str]) -> None:
    """Make moto's ListJobs by queue answer as Batch's does, where moto differs.

    Batch lists an array job by its parent only, whose summary carries the array's size
    (botocore's ``JobSummary.arrayProperties``: ``size`` for a parent); moto lists the
    children too, and no ``arrayProperties``.
    """
    from moto.batch.models import Job

    describe_short = Job.describe_short

    def with_array_size(job):
        summary = describe_short(job)
        if "size" in job.array_properties:
            summary["arrayProperties"] = {"size": job.array_properties["size"]}
        return summary

    monkeypatch.setattr(Job, "describe_short", with_array_size)
    jobs = batch_backends[DEFAULT_ACCOUNT_ID][REGION]._jobs
    for child in children:
        jobs[child].job_queue.jobs.remove(jobs[child])  # still there for DescribeJobs, as in Batch


@pytest.fixture
def jobs(aws, monkeypatch):
    """A running job, a failed one with a long name and a reason, and an array job (its parent, as Batch lists it)."""
    running = aws.submit("train_classifier")
    failed = aws.submit(LONG_NAME, fail=True)
    parent = aws.batch.submit_job(jobName="fetch_entries", jobQueue=QUEUE, jobDefinition=DEFINITION, arrayProperties={"size": 3})
    parent = parent["jobId"]
    children = [f"{parent}:{index}" for index in range(3)]
    settle([running, failed, *children])
    list_as_batch_does(monkeypatch, children)
    aws.set_job(running, created=T0, started=T0 + timedelta(minutes=1), status="RUNNING")
    aws.set_job(
        failed,
        created=T0,
        started=T0 + timedelta(minutes=1),
        stopped=T0 + timedelta(minutes=4),
        exit_code=137,
        reason="Essential container in task exited",
    )
    listed = {}
    for status in listing.STATUSES:
        for summary in aws.batch.list_jobs(jobQueue=QUEUE, jobStatus=status)["jobSummaryList"]:
            listed[summary["jobId"]] = summary["status"]
    assert set(listed) == {running, failed, parent}
    return listed


def run_in_pty(argv: list[str], env: dict[str, str], columns: int = COLUMNS, rows: int = 50) -> tuple[int, str]:
    """Run ``argv`` with its stdout and stderr on a new pseudo-terminal of ``columns``; its exit code and output."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env, cwd=ROOT)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                if child.poll() is not None and not select.select([master], [], [], 0)[0]:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child has closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = child.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        with contextlib.suppress(OSError):
            os.close(master)
    return code, b"".join(chunks).decode("utf-8", errors="replace")


def screen_lines(output: str) -> list[str]:
    """The non-blank lines a terminal would show for ``output``.

    Enough of a terminal for what rich writes: text, carriage return, newline, cursor up
    and erase line (the spinner draws itself, then erases itself before the table). Other
    escapes (colours, showing the cursor) draw nothing.
    """
    rows: list[list[str]] = [[]]
    row = column = 0
    for token in TOKENS.findall(output):
        if token == "\n":
            row += 1
            if row == len(rows):
                rows.append([])
        elif token == "\r":
            column = 0
        elif token.startswith("\x1b["):
            final, argument = token[-1], token[2:-1]
            if final == "A":
                row = max(0, row - int(argument or 1))
            elif final == "K":
                rows[row] = [] if argument == "2" else rows[row][:column]
        elif not token.startswith("\x1b"):
            line = rows[row]
            line.extend(" " * (column - len(line)))
            line[column : column + len(token)] = token
            column += len(token)
    return [text for text in ("".join(line).rstrip() for line in rows) if text]


def child_env(endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BATCHCTL_", "COLUMNS", "LINES", "AWS_PROFILE"))}
    for variable in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "MOTO_SIMPLE_BATCH_FAIL_AFTER"):
        env.pop(variable, None)
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION=REGION,
        NO_PROXY="127.0.0.1",
        TERM="xterm-256color",
        TZ="UTC",
    )
    return env


def test_jobs_at_80_columns_shows_whole_ids_and_every_status(endpoint, jobs):
    started = time.monotonic()
    code, output = run_in_pty([sys.executable, "-m", "batchctl", "jobs", "--queue", QUEUE], child_env(endpoint))
    lines = screen_lines(output)
    assert code == 0, output
    assert "Traceback" not in output
    assert all(len(line) <= COLUMNS for line in lines), [line for line in lines if len(line) > COLUMNS]
    header = lines[0].split()
    assert header[:4] == ["NAME", "JOB", "ID", "STATUS"]
    for job_id, status in jobs.items():
        (line,) = [line for line in lines if job_id in line.split()]  # whole, on exactly one line
        assert status in line.split(), line
    assert f"{len(jobs)} jobs in {QUEUE}" in lines
    # The array's size is written after its name, which wraps in the NAME column.
    names = "".join(line.split("  ")[0] for line in lines if not line.startswith(("NAME", "left out", f"{len(jobs)} jobs")))
    assert "fetch_entries(arrayof3)" in names.replace(" ", ""), lines
    (notice,) = [line for line in lines if line.startswith("left out: ")]
    assert notice.endswith("(see --wide or -o csv)")
    assert "STATUS" not in notice and "JOB ID" not in notice
    assert time.monotonic() - started < 10
