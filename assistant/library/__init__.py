"""The directive library: upload, processing and indexing (services), metadata from the header.

A job queued before the library became a package names its task ``assistant.library.<task>``
(django-tasks stores the dotted path; docs/decisions/0006); those two names still resolve here.
"""

from assistant.library.services import index_paper_version_task, process_directive_task

__all__ = ["index_paper_version_task", "process_directive_task"]
