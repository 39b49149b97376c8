"""python manage.py backup [--output DIR]: the database, the media folder and a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cabinet.trust.backup import BackupError, create_backup, read_manifest


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite: online copy; PostgreSQL: pg_dump -Fc) and MEDIA_ROOT into "
        "a timestamped folder with a manifest of checksums and row counts. Safe while the "
        "application runs."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output",
            default=None,
            help="folder that receives the backup (default: DATA_DIR/backups)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"] or Path(settings.DATA_DIR) / "backups")
        try:
            folder = create_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = read_manifest(folder)
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {folder} ({len(manifest['files'])} files, "
                f"{len(manifest['row_counts'])} tables, {rows} rows)"
            )
        )
