"""The dotted paths under which earlier versions queued the assistant's jobs (see cabinet/tasks.py).
The tasks now live in assistant.library.services, beside the code they run."""

from __future__ import annotations

from assistant.library.services import index_paper_version_task, process_directive_task

__all__ = ["index_paper_version_task", "process_directive_task"]
