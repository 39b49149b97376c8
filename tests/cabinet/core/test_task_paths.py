"""Jobs queued by a version before the tasks moved beside their code (issue 18) name them by the
old dotted paths; the worker imports the path stored in the job's row (django-tasks-db's
DBTaskResult.task), so each old path must still give the same task. The whole round trip, a job
queued under an old path then run, is in tests/cabinet/records/test_generated_pdfs.py (it needs
LibreOffice)."""

from __future__ import annotations

import pytest
from django.utils.module_loading import import_string

OLD_TO_NEW = {
    "cabinet.tasks.process_paper_version": (
        "cabinet.papers.services.processing.process_paper_version"
    ),
    "cabinet.tasks.convert_generated_pdf": "cabinet.records.generated.convert_generated_pdf",
    "assistant.tasks.process_directive_task": "assistant.library.services.process_directive_task",
    "assistant.tasks.index_paper_version_task": "assistant.library.services.index_paper_version_task",
    # Queued while the library was one module (before assistant/library/ became a package).
    "assistant.library.process_directive_task": "assistant.library.services.process_directive_task",
    "assistant.library.index_paper_version_task": (
        "assistant.library.services.index_paper_version_task"
    ),
}


@pytest.mark.parametrize(("old", "new"), OLD_TO_NEW.items())
def test_a_jobs_old_task_path_gives_the_task_that_new_jobs_name(old: str, new: str) -> None:
    task = import_string(old)
    assert task is import_string(new)
    assert task.module_path == new  # what a job queued now stores
