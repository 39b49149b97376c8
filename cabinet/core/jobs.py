"""Background jobs (django-tasks, database backend: `manage.py worker` runs them): their priorities.

Each task is defined beside the code it runs (cabinet.papers.services.processing,
cabinet.records.generated, assistant.library.services); cabinet/tasks.py and assistant/tasks.py only keep
the dotted paths that jobs queued by earlier versions stored."""

from __future__ import annotations

# The worker takes tasks by priority, then in order. An upload's processing is what a secretary
# is watching the progress of; indexing papers for the assistant can wait: a demo or a busy day
# queues dozens of indexings, which took the e2e upload past its 30 s (the first indexing also
# loads the embedding model).
WAITED_FOR = 10
BACKGROUND = -10
