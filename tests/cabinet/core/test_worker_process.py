"""The task worker outlives database errors: a real `manage.py worker` process, the database
locked by another connection for longer than SQLite's busy timeout, then an upload to process.

django-tasks-db's own loop (`db_worker`) ended on the first "database is locked" it met outside
its narrow `try` (its claim of the next task); every later upload then stayed "queued"."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from cabinet.models import PaperVersion, VersionStatus, WorkerHeartbeat
from tests.factories import PASSWORD, make_meeting, pdf_upload, secretary_of
from tests.worker_process import start_worker, stop_worker, wait_for_start

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="holds SQLite's write lock from another connection"
    ),
]

BUSY_TIMEOUT = 20  # cabinet/settings.py SQLITE_OPTIONS["timeout"]
LOCKED_FOR = BUSY_TIMEOUT + 6


@pytest.fixture(autouse=True)
def database_task_backend(settings: Settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def wait_until_processed(
    version: PaperVersion, worker: subprocess.Popen[bytes], log: Path, timeout: float = 120
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        version.refresh_from_db()
        if not version.is_processing:
            return
        if time.monotonic() > deadline:
            alive = "running" if worker.poll() is None else f"exited ({worker.returncode})"
            pytest.fail(f"upload still {version.status}; worker {alive}:\n{log.read_text()}")
        time.sleep(0.3)


def test_the_worker_survives_a_locked_database_and_processes_the_next_upload(
    tmp_path: Path,
) -> None:
    meeting = make_meeting()
    secretary = Client()
    assert secretary.login(username=secretary_of(meeting).username, password=PASSWORD)
    log = tmp_path / "worker.log"
    worker = start_worker(log)
    try:
        wait_for_start(worker, log)
        time.sleep(1)  # polling the queue

        # Another connection holds the write lock past the busy timeout: the worker's claim of
        # the next task (BEGIN EXCLUSIVE) fails with "database is locked".
        holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            time.sleep(LOCKED_FOR)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert "database is locked" in log.read_text()
        assert worker.poll() is None, log.read_text()

        response = secretary.post(
            reverse("cabinet:paper_upload", args=[meeting.pk]),
            {"title": "Báo cáo sau sự cố", "kind": "report", "file": pdf_upload(3)},
        )
        assert response.status_code == 302
        version = PaperVersion.objects.get(paper__meeting=meeting)
        wait_until_processed(version, worker, log)
        assert version.status == VersionStatus.READY
        assert version.page_count == 3

        # Its heartbeat is fresh again and remembers the error it survived.
        time.sleep(1.5)
        heartbeat = WorkerHeartbeat.objects.get()
        assert heartbeat.beat_at > timezone.now() - dt.timedelta(seconds=5)
        assert heartbeat.last_error == "OperationalError"
        assert Client().get("/health/ready").json()["checks"]["worker"] == "ok"
    finally:
        stop_worker(worker)
    # Stopped on purpose: it is no longer counted as working.
    assert not WorkerHeartbeat.objects.exists()
