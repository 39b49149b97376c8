"""Import every directive file of a folder into the library, and index it.

    python manage.py import_directives PATH [--user USERNAME] [--public | --units CODE,CODE]
                                            [--queue]

PDF, DOCX, DOC, ODT and UTF-8 text files (by content, not by name) go through the same checks,
conversion and sandboxed extraction as an upload. Files already in the library (same content)
are skipped. Without --queue each file is processed here, one after the other, with its outcome
printed; with --queue the task worker does it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assistant.library import services as library
from assistant.models import DirectiveStatus, Visibility
from cabinet.core.errors import ServiceError
from cabinet.models import Unit, User

SUFFIXES = {".pdf", ".docx", ".doc", ".odt", ".txt", ".md"}


class Command(BaseCommand):
    help = "Import the directive documents of a folder (or one file) into the assistant's library."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--user", help="the librarian recorded as uploader (default: a superuser)"
        )
        parser.add_argument("--units", help="restrict to these unit codes (comma-separated)")
        parser.add_argument("--queue", action="store_true", help="leave processing to the worker")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"No such file or folder: {path}")
        files = (
            [path]
            if path.is_file()
            else sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        )
        if not files:
            raise CommandError(f"No PDF, DOCX, DOC, ODT or TXT files in {path}")
        actor = self._actor(options["user"])
        access = library.Access()
        if options["units"]:
            codes = [c.strip() for c in options["units"].split(",") if c.strip()]
            units = list(Unit.objects.filter(code__in=codes))
            if len(units) != len(codes):
                raise CommandError(f"Unknown unit code among {codes}")
            access = library.Access(visibility=Visibility.RESTRICTED, units=units)
        imported = skipped = failed = 0
        for file in files:
            upload = SimpleUploadedFile(file.name, file.read_bytes())
            try:
                directive = library.add_directive(
                    upload=upload, actor=actor, access=access, queue=options["queue"]
                )
            except ServiceError as error:
                self.stdout.write(f"  skip {file.name}: {error}")
                skipped += 1
                continue
            if not options["queue"]:
                library.process_directive(directive.pk)
            directive.refresh_from_db()
            if directive.status == DirectiveStatus.FAILED:
                failed += 1
                self.stdout.write(f"  FAILED {file.name}: {library.FAILURES.get(directive.error)}")
                continue
            imported += 1
            self.stdout.write(
                f"  {file.name}: {directive.label} — {directive.title} "
                f"({directive.page_count or '?'} pages, {directive.chunk_count} passages, "
                f"{directive.get_status_display()})"
            )
        self.stdout.write(f"Imported {imported}, skipped {skipped}, failed {failed}.")
        if failed:
            raise CommandError(f"{failed} file(s) were refused")

    @staticmethod
    def _actor(username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user {username!r}")
            return user
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("No superuser: pass --user USERNAME (a library manager)")
        return user
