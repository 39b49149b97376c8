"""Background tasks of the assistant (django-tasks database backend; `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from assistant import library
from cabinet.tasks import BACKGROUND, WAITED_FOR


@task(priority=WAITED_FOR)
def process_directive_task(directive_id: int) -> None:
    """Read, describe and index an uploaded directive (see assistant.library)."""
    library.process_directive(directive_id)


@task(priority=BACKGROUND)
def index_paper_version_task(version_id: int) -> None:
    """Index a meeting paper's ready version for its participants' searches."""
    library.index_paper_version(version_id)
