"""python manage.py restore PATH [--force]: verify a backup, restore it, check the result.

Stop the application first (Daphne and db_worker): the database and MEDIA_ROOT are replaced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cabinet.trust.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup`: checksums are verified first (a damaged or altered "
        "backup is refused), then the database and MEDIA_ROOT are replaced and the row counts "
        "and file hashes checked against the manifest. Stop the application first."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="the backup folder (backup-YYYYMMDDTHHMMSSZ)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database and media folder that already hold data",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = restore_backup(Path(options["path"]), force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        if not report.ok:
            raise CommandError(
                "Restored, but the result does not match the manifest:\n  "
                + "\n  ".join(report.problems)
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restore verified: {report.tables} tables' row counts and "
                f"{report.checked_files} media files match the manifest."
            )
        )
