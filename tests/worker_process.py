"""A real task worker process (`manage.py worker`) on the test database, for transactional tests:
it sees the rows they commit and processes the tasks they enqueue, as in production."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from tests.realtime.daphne import ROOT, database_url

# Beats every second: the tests need not wait the production interval to see one.
HEARTBEAT_SECONDS = "1"


def start_worker(log: Path, **environ: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "ASSISTANT_INDEX_PAPERS": "0",
        "WORKER_HEARTBEAT_SECONDS": HEARTBEAT_SECONDS,
        "EVENT_RELAY_INTERVAL": "0",
    }
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    env |= environ
    command = ["worker", "--interval", "0.2", "--no-startup-delay", "--no-reload"]
    return subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )


def wait_for_start(worker: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while "Starting worker" not in log.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(log.read_text())
        time.sleep(0.1)


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
