"""Load the demo directive library: five directives of the demo city, Decree 30/2020/NĐ-CP when
the shared data folder has it, and the demo meetings' papers in the index.

    python manage.py seed_demo && python manage.py seed_library

Run after seed_demo (it needs the demo accounts). Each demo directive (assistant/demo) is rendered
to PDF with its national header, uploaded as the secretary ``thuky`` (the secretariat group is given
``assistant.manage_library``) and processed here, through the same services as an upload: the
sandboxed reader, the header read for the metadata, chunking and embedding. Idempotent: a directive
already in the library (same number, or same demo file) is skipped, and a meeting paper already
indexed is left alone.

The decree is read from ``<shared data>/directives/nd-30-2020-cong-tac-van-thu.pdf``, the shared data
folder being DEMO_SHARED_DATA or ``../shared/data`` beside the checkout; without it, a note.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from assistant.demo import CITY, DIRECTIVES, body
from assistant.demo.notices import issue_demo_notices
from assistant.library import services as library
from assistant.models import Chunk, Directive, DirectiveStatus, Visibility
from cabinet.core.errors import ServiceError
from cabinet.demo.data import MEETINGS, SECRETARIAT_GROUP
from cabinet.models import Meeting, Unit, User, VersionStatus
from cabinet.records.documents.paper_render import DocumentHeader, render_document

LIBRARIAN = "thuky"
DECREE_FILE = Path("directives") / "nd-30-2020-cong-tac-van-thu.pdf"
DECREE_NUMBER = "30/2020/NĐ-CP"


def shared_data_dir() -> Path:
    """The shared data folder: DEMO_SHARED_DATA, else ``shared/data`` beside the checkout."""
    override = os.environ.get("DEMO_SHARED_DATA")
    return Path(override) if override else Path(settings.BASE_DIR).parent / "shared" / "data"


def render_directive(spec: dict[str, Any]) -> bytes:
    """The demo directive ``spec`` as a PDF with its issuing body, number, place and date."""
    header = DocumentHeader(
        parent_body=spec["parent_body"],
        issuing_body=spec["issuer"],
        number=spec["number"],
        place=CITY,
        date=spec["date"],
    )
    return render_document(header, body(spec["slug"]), title=spec["title"])


class Command(BaseCommand):
    help = "Load the demo directive library (run after seed_demo); skips what is already there."

    def handle(self, *args: Any, **options: Any) -> None:
        librarian = User.objects.filter(username=LIBRARIAN, is_active=True).first()
        if librarian is None:
            raise CommandError(
                f"The demo accounts are missing (no user {LIBRARIAN!r}): "
                "run `python manage.py seed_demo` first."
            )
        self._grant_library_permission()
        librarian = User.objects.get(pk=librarian.pk)  # permission cache reset
        self.stdout.write("Demo directives:")
        for spec in DIRECTIVES:
            self._demo_directive(spec, librarian)
        self._decree(librarian)
        self._meeting_papers()
        # The past meeting's conclusion notice cites the library, so it is issued once it is loaded.
        for reference in issue_demo_notices():
            self.stdout.write(f"Conclusion notice {reference} issued for the past demo meeting.")
        self.stdout.write(self.style.SUCCESS("Library loaded."))

    def _grant_library_permission(self) -> None:
        permission = Permission.objects.filter(
            codename="manage_library", content_type__app_label="assistant"
        ).first()
        if permission is None:
            raise CommandError("Permission assistant.manage_library missing: run migrate first.")
        group, _ = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
        group.permissions.add(permission)
        User.objects.get(username=LIBRARIAN).groups.add(group)

    def _access(self, spec: dict[str, Any]) -> library.Access:
        codes = [code.lower() for code in spec["restricted_to_units"]]
        names = list(spec["restricted_to_users"])
        if not codes and not names:
            return library.Access()
        units = list(Unit.objects.filter(code__in=codes))
        users = list(User.objects.filter(username__in=names))
        if len(units) != len(codes) or len(users) != len(names):
            raise CommandError(
                f"{spec['number']}: unknown unit or user among {codes + names} "
                "(is the demo from seed_demo loaded?)"
            )
        return library.Access(visibility=Visibility.RESTRICTED, units=units, users=users)

    def _demo_directive(self, spec: dict[str, Any], librarian: User) -> None:
        name = f"{spec['slug']}.pdf"
        existing = Directive.objects.filter(
            Q(number=spec["number"]) | Q(original_name=name)
        ).first()
        if existing is not None:
            self.stdout.write(f"  {spec['number']}: already in the library, skipped")
            return
        started = time.monotonic()
        pdf = render_directive(spec)
        directive = self._import(
            SimpleUploadedFile(name, pdf, content_type="application/pdf"),
            librarian,
            self._access(spec),
        )
        if directive is None:
            return
        self._report(directive, started)
        mismatches = [
            f"{field} {got!r} (expected {want!r})"
            for field, got, want in (
                ("number", directive.number, spec["number"]),
                ("date", directive.issued_on, spec["date"]),
                ("type", directive.doc_type, spec["doc_type"]),
            )
            if got != want
        ]
        if mismatches:
            self.stdout.write(
                self.style.WARNING(f"    header read differs: {'; '.join(mismatches)}")
            )

    def _decree(self, librarian: User) -> None:
        path = shared_data_dir() / DECREE_FILE
        if not path.is_file():
            self.stdout.write(
                f"Decree {DECREE_NUMBER}: {path} not found, skipped "
                "(set DEMO_SHARED_DATA to the shared data folder)"
            )
            return
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        if Directive.objects.filter(Q(sha256=sha256) | Q(number=DECREE_NUMBER)).exists():
            self.stdout.write(f"Decree {DECREE_NUMBER}: already in the library, skipped")
            return
        self.stdout.write(f"Decree {DECREE_NUMBER} ({path}):")
        started = time.monotonic()
        directive = self._import(
            SimpleUploadedFile(path.name, data, content_type="application/pdf"),
            librarian,
            library.Access(),
        )
        if directive is not None:
            self._report(directive, started)

    def _import(
        self, upload: SimpleUploadedFile, librarian: User, access: library.Access
    ) -> Directive | None:
        try:
            directive = library.add_directive(
                upload=upload, actor=librarian, access=access, queue=False
            )
        except ServiceError as error:
            self.stdout.write(self.style.WARNING(f"  {upload.name}: not imported: {error}"))
            return None
        library.process_directive(directive.pk)
        directive.refresh_from_db()
        if directive.status != DirectiveStatus.READY:
            raise CommandError(
                f"{upload.name}: processing failed: "
                f"{library.FAILURES.get(directive.error, directive.error)}"
            )
        return directive

    def _report(self, directive: Directive, started: float) -> None:
        dated = f" ngày {directive.issued_on:%d/%m/%Y}" if directive.issued_on else ""
        restricted = " [restricted]" if directive.visibility == Visibility.RESTRICTED else ""
        self.stdout.write(
            f"  {directive.label}{dated}{restricted}: {directive.page_count} pages, "
            f"{directive.chunk_count} passages, {time.monotonic() - started:.1f} s"
        )

    def _meeting_papers(self) -> None:
        """Index the demo meetings' current paper versions that have no passages yet (the task
        worker would do it, later), so a meeting's assistant panel answers at once."""
        if not settings.ASSISTANT_INDEX_PAPERS:
            self.stdout.write("Meeting papers: not indexed (ASSISTANT_INDEX_PAPERS is off)")
            return
        meetings = Meeting.objects.filter(
            title__in=[m["title"] for m in MEETINGS]
        ).prefetch_related("papers__versions")
        for meeting in meetings:
            started = time.monotonic()
            indexed = passages = 0
            for paper in meeting.papers.all():
                version = paper.current_version
                if version is None or version.status != VersionStatus.READY:
                    continue
                if Chunk.objects.filter(paper_version=version).exists():
                    continue
                library.index_paper_version(version.pk)
                indexed += 1
                passages += Chunk.objects.filter(paper_version=version).count()
            if indexed:
                self.stdout.write(
                    f"Meeting papers of “{meeting.title}”: {indexed} indexed, {passages} "
                    f"passages, {time.monotonic() - started:.1f} s"
                )
            else:
                self.stdout.write(f"Meeting papers of “{meeting.title}”: already indexed")
