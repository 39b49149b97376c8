"""Queue again the uploads whose processing never finished (the worker stopped mid-way)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from cabinet.models import PROCESSING_STATUSES, PaperVersion
from cabinet.papers.services.processing import process_paper_version


class Command(BaseCommand):
    help = "Re-enqueue paper versions stuck in processing for longer than --minutes (default 10)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--minutes", type=int, default=10)

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - dt.timedelta(minutes=options["minutes"])
        stuck = PaperVersion.objects.filter(
            status__in=PROCESSING_STATUSES, uploaded_at__lt=cutoff
        ).values_list("pk", flat=True)
        for version_id in stuck:
            process_paper_version.enqueue(version_id)
        self.stdout.write(f"Re-queued {len(stuck)} paper version(s).")
