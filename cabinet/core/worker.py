"""The task worker that survives database errors and says that it is working.

django-tasks-db's ``db_worker`` loop lets an error from the database escape it: on SQLite,
``BEGIN EXCLUSIVE`` (its claim of the next task) fails with "database is locked" once the busy
timeout runs out, outside the loop's own ``try``. The loop then ends; under the autoreloader
(``--reload``, the default with DEBUG) only its thread dies and the process stays up, so every
later upload stayed "queued" with no error anywhere. ``ResilientWorker`` runs the same steps (the
library's queryset, claim and ``run_task``), and on an error waits with a growing pause and tries
again, on a fresh connection.

Each worker keeps its row in ``WorkerHeartbeat`` up to date from a thread of its own (a task may
run for minutes). The row records when the loop was last seen working, so a loop that keeps
failing goes stale like a stopped process; ``worker_down()`` is what the secretary's paper page
and ``/health/ready`` ask.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import socket
import threading
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from django_tasks_db import DatabaseBackend
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from cabinet.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# The pause after a failed poll doubles from the first to the longest; a success resets it.
RETRY_FIRST_SECONDS = 0.5
RETRY_LONGEST_SECONDS = 30.0
# Rows of workers not seen for this long are removed when a worker starts (each start has a new id).
FORGET_AFTER = dt.timedelta(days=1)


def worker_expected() -> bool:
    """Whether uploads wait for a worker process: the default task backend is the database one.
    With an immediate backend (the tests' default) tasks run in the request; nothing to watch."""
    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


def worker_alive() -> bool:
    """A worker's loop was seen working within WORKER_STALE_SECONDS."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.WORKER_STALE_SECONDS)
    return WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).exists()


def worker_down() -> bool:
    """Uploads wait for a worker and none is working: they would stay "queued" for ever."""
    return worker_expected() and not worker_alive()


class ResilientWorker(Worker):
    """django-tasks-db's worker, with the loop rewritten to outlive database errors and to beat."""

    def __init__(self, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.started_at = timezone.now()
        self.seen_working_at = self.started_at  # the last successful poll
        self.last_error = ""
        self.last_error_at: dt.datetime | None = None
        self.heartbeat = Heartbeat(self)

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, self.queue_names)
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 (spreads workers started together)
        self.heartbeat.start()
        pause = RETRY_FIRST_SECONDS
        try:
            while self.running:
                try:
                    ran, stop = self.poll_once()
                except Exception as error:  # the database's, mostly; a task's own are caught
                    self._failed(error, pause)
                    time.sleep(pause)
                    pause = min(pause * 2, RETRY_LONGEST_SECONDS)
                    continue
                pause = RETRY_FIRST_SECONDS
                self.seen_working_at = timezone.now()
                if stop:
                    return
                if self.running and not ran:
                    time.sleep(self.interval)
        finally:
            self.heartbeat.stop()

    def poll_once(self) -> tuple[bool, bool]:
        """Claim and run the next ready task, as db_worker's loop does: (ran one, should stop)."""
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)  # nobody else runs it
        close_old_connections()
        if task_result is None:
            return False, self.batch
        self.run_task(task_result)
        self.seen_working_at = timezone.now()
        close_old_connections()
        return True, self.max_tasks is not None and self._run_tasks >= self.max_tasks

    def _failed(self, error: Exception, pause: float) -> None:
        self.last_error = type(error).__name__
        self.last_error_at = timezone.now()
        if isinstance(error, DatabaseError):
            logger.warning(
                "worker %s: database error (%s: %s); trying again in %.1f s",
                self.worker_id,
                self.last_error,
                error,
                pause,
            )
        else:
            logger.exception(
                "worker %s: unexpected error; trying again in %.1f s", self.worker_id, pause
            )
        # A connection that failed may be unusable (or left inside a transaction): start afresh.
        try:
            connection.close()
        except Exception:  # closing a broken connection may fail too
            logger.debug("closing the failed connection failed", exc_info=True)


class Heartbeat:
    """Writes the worker's row every WORKER_HEARTBEAT_SECONDS, from a thread of its own."""

    def __init__(self, worker: ResilientWorker) -> None:
        self.worker = worker
        self.host = socket.gethostname()[:255]
        self.pid = os.getpid()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-heartbeat", daemon=True)

    def start(self) -> None:
        self._forget_old_workers()
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and remove the row: a worker stopped on purpose is not working."""
        self._stopped.set()
        self._thread.join(timeout=settings.WORKER_HEARTBEAT_SECONDS + 25)
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker.worker_id).delete()
        except DatabaseError:
            logger.warning("worker %s: could not remove its heartbeat", self.worker.worker_id)

    def _run(self) -> None:
        try:
            while True:
                self.beat()
                if self._stopped.wait(settings.WORKER_HEARTBEAT_SECONDS):
                    return
        finally:
            connection.close()  # this thread's own connection

    def beat(self) -> None:
        worker = self.worker
        # While a task runs the loop is busy, not stuck: it counts as working now.
        seen = timezone.now() if worker.running_task else worker.seen_working_at
        values = {
            "host": self.host,
            "pid": self.pid,
            "started_at": worker.started_at,
            "beat_at": seen,
            "last_error": worker.last_error,
            "last_error_at": worker.last_error_at,
        }
        try:
            rows = WorkerHeartbeat.objects.filter(worker_id=worker.worker_id)
            if not rows.update(**values):
                WorkerHeartbeat.objects.create(worker_id=worker.worker_id, **values)
        except DatabaseError as error:
            # The loop has its own retries; a missed beat only makes the row older.
            logger.warning("worker %s: heartbeat not written (%s)", worker.worker_id, error)
            connection.close()

    def _forget_old_workers(self) -> None:
        try:
            WorkerHeartbeat.objects.filter(beat_at__lt=timezone.now() - FORGET_AFTER).delete()
        except DatabaseError:
            logger.warning("could not remove old workers' heartbeats", exc_info=True)
