"""Background tasks (django-tasks, database backend: `manage.py db_worker` runs them)."""

from __future__ import annotations

from django_tasks import task

from cabinet.services.paper_processing import process_version


@task()
def process_paper_version(version_id: int) -> None:
    """Convert and extract an uploaded paper version (see cabinet.services.paper_processing)."""
    process_version(version_id)
