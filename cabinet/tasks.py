"""The dotted paths under which earlier versions queued their jobs.

django-tasks stores each queued job by its task's dotted path. The tasks now live beside the code
they run (cabinet.papers.services.processing, cabinet.records.generated); a job queued as
cabinet.tasks.<name> before an upgrade still finds its task here. New jobs store the new paths.
"""

from __future__ import annotations

from cabinet.papers.services.processing import process_paper_version
from cabinet.records.generated import convert_generated_pdf

__all__ = ["convert_generated_pdf", "process_paper_version"]
