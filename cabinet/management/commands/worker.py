"""`manage.py worker`: django-tasks-db's `db_worker`, surviving database errors, with a heartbeat.

Same options as `db_worker` (queues, --interval, --batch, --max-tasks, --worker-id ...), except
that it runs without the autoreloader unless given --reload: under the reloader a dead loop left a
live process behind, which is what hid the failure (cabinet/core/worker.py).
"""

from __future__ import annotations

import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from cabinet.core.worker import ResilientWorker


class Command(DbWorkerCommand):
    help = (
        "Run the background task worker (django-tasks-db's db_worker) that retries after "
        "database errors and records its heartbeat for /health/ready and the secretary's pages."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(reload=False)

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        if options["reload"] and not options["batch"]:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloader's child runs the loop
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
