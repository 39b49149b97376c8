"""Run an untrusted-input program (PDF parsing, document conversion) in a limited child process.

The child gets its own session (process group), so on overrun the whole group is killed: LibreOffice
forks helpers, and a parser stuck in a loop must not outlive its deadline. Limits are set by the
child itself (cabinet.papers.lib.sandbox_exec) right before it execs the real program, rather than with
Popen(preexec_fn=...), which is unsafe in a threaded server. Output is read as it arrives so the
caller can report progress, and it is capped: a child cannot flood the parent's memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]  # cabinet/papers/lib/sandbox.py
STDERR_TAIL_BYTES = 4000


@dataclass(frozen=True)
class Limits:
    wall_seconds: float
    cpu_seconds: int
    memory_mb: int
    # 0 forbids writing files at all (a parser needs none); a converter needs room for its output.
    file_size_mb: int = 0
    max_output_bytes: int = 256 * 1024 * 1024


@dataclass
class Outcome:
    returncode: int | None
    timed_out: bool = False
    output_overflow: bool = False
    stderr_tail: str = ""
    lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.output_overflow


def run_limited(
    argv: Sequence[str],
    *,
    limits: Limits,
    cwd: str | Path | None = None,
    env: dict[str, str] | None = None,
    on_line: Callable[[str], None] | None = None,
    keep_lines: bool = True,
) -> Outcome:
    """Run argv under the limits; call on_line for every line of stdout as it arrives."""
    wrapper = [
        sys.executable,
        "-m",
        "cabinet.papers.lib.sandbox_exec",
        str(limits.cpu_seconds),
        str(limits.memory_mb),
        str(limits.file_size_mb),
        "--",
        *argv,
    ]
    child_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(PROJECT_ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": str(cwd or tempfile.gettempdir()),
    }
    child_env.update(env or {})
    outcome = Outcome(returncode=None)
    # argv is built by this project (a fixed program and a stored file's path), never by a user.
    process = subprocess.Popen(  # noqa: S603
        wrapper,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        # A pipe, not a file: the child may be forbidden to write files (RLIMIT_FSIZE).
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=child_env,
        start_new_session=True,
        close_fds=True,
    )
    stderr_tail = bytearray()
    try:
        _pump(process, limits, outcome, on_line, keep_lines, stderr_tail)
    finally:
        if process.poll() is None:
            _kill_group(process)
        process.wait()
        for stream in (process.stdout, process.stderr):
            assert stream is not None
            stream.close()
    outcome.returncode = process.returncode
    outcome.stderr_tail = stderr_tail.decode("utf-8", "replace")
    return outcome


def _pump(
    process: subprocess.Popen[bytes],
    limits: Limits,
    outcome: Outcome,
    on_line: Callable[[str], None] | None,
    keep_lines: bool,
    stderr_tail: bytearray,
) -> None:
    assert process.stdout is not None
    assert process.stderr is not None
    deadline = time.monotonic() + limits.wall_seconds
    received = 0
    pending = b""
    stdout_fd, stderr_fd = process.stdout.fileno(), process.stderr.fileno()
    with selectors.DefaultSelector() as selector:
        selector.register(stdout_fd, selectors.EVENT_READ)
        selector.register(stderr_fd, selectors.EVENT_READ)
        stdout_open = True
        while stdout_open:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                outcome.timed_out = True
                _kill_group(process)
                return
            for key, _events in selector.select(timeout=min(remaining, 0.5)):
                chunk = os.read(key.fd, 1024 * 1024)
                if key.fd == stderr_fd:
                    if not chunk:
                        selector.unregister(stderr_fd)
                    stderr_tail.extend(chunk)
                    del stderr_tail[:-STDERR_TAIL_BYTES]
                    continue
                if not chunk:
                    stdout_open = False
                    break
                received += len(chunk)
                if received > limits.max_output_bytes:
                    outcome.output_overflow = True
                    _kill_group(process)
                    return
                pending += chunk
                *complete, pending = pending.split(b"\n")
                for raw in complete:
                    line = raw.decode("utf-8", "replace")
                    if keep_lines:
                        outcome.lines.append(line)
                    if on_line is not None:
                        on_line(line)
    # stdout closed: the child is finishing; it still has to finish inside the deadline.
    try:
        process.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        outcome.timed_out = True
        _kill_group(process)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def parse_json_line(line: str) -> dict[str, object] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
