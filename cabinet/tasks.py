"""Background tasks (django-tasks, database backend: `manage.py db_worker` runs them)."""

from __future__ import annotations

from django_tasks import task

from cabinet.papers.services.processing import process_version
from cabinet.records import generated

# The worker takes tasks by priority, then in order. An upload's processing is what a secretary
# is watching the progress of; indexing papers for the assistant can wait: a demo or a busy day
# queues dozens of indexings, which took the e2e upload past its 30 s (the first indexing also
# loads the embedding model).
WAITED_FOR = 10
BACKGROUND = -10


@task(priority=WAITED_FOR)
def process_paper_version(version_id: int) -> None:
    """Convert and extract an uploaded paper version (see cabinet.papers.services.processing)."""
    process_version(version_id)


@task(priority=WAITED_FOR)
def convert_generated_pdf(kind: str, key: str) -> None:
    """Convert a generated document's DOCX to its kept PDF (see cabinet.records.generated): someone is
    looking at the "Đang tạo bản PDF…" page meanwhile."""
    generated.convert(kind=kind, key=key)
