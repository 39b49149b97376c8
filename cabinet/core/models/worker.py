"""The task worker's heartbeat: how the web processes know that uploads are being processed.

The worker (``manage.py worker``) runs in its own process, often on its own machine in
production; a row in the shared database is what every web process and the health endpoint can
read, on SQLite and PostgreSQL alike. Each worker keeps one row up to date (cabinet/core/worker.py).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One running task worker. ``beat_at`` is the last time its polling loop was seen working
    (a successful look at the queue, or a task in progress), not merely the last time its
    process was up: a loop that keeps failing goes stale like a stopped one."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)
    # The kind of the last database error the loop survived (an exception class name, never its
    # message: it may quote SQL and data), and when; for the operator's logs and health check.
    last_error = models.CharField(max_length=100, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("nhịp máy xử lý tài liệu")
        verbose_name_plural = _("nhịp máy xử lý tài liệu")

    def __str__(self) -> str:
        return f"{self.host}:{self.pid} ({self.worker_id})"
