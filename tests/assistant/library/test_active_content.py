"""The directive library strips a PDF's active content as the meeting papers do: the librarian
uploads a booby-trapped directive over HTTP, and what a reader's viewer fetches carries no script,
automatic action, embedded file or XFA form; the librarian is told, the security log has it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assistant.models import Directive, DirectiveStatus
from cabinet.models import AuditEntry
from tests.factories import make_user, processing_uploads
from tests.factories.hostile import active_content_pdf, assert_no_active_content
from tests.factories.library import make_librarian

pytestmark = pytest.mark.django_db

TEXT = "Chi thi ve viec to chuc cuoc hop khong giay"


def test_a_booby_trapped_directive_is_read_without_its_active_content(private_media: Path) -> None:
    librarian = make_librarian()
    manager, reader = Client(), Client()
    manager.force_login(librarian)
    reader.force_login(make_user())
    hostile = active_content_pdf(TEXT)
    with processing_uploads():
        response = manager.post(
            reverse("assistant:directive_upload"),
            {
                "file": SimpleUploadedFile("chi-thi.pdf", hostile, content_type="application/pdf"),
                "visibility": "public",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    directive = Directive.objects.get()
    assert directive.status == DirectiveStatus.READY, directive.error

    file_response = reader.get(reverse("assistant:directive_file", args=[directive.pk]))
    assert file_response.streaming  # served from the file, not read into memory
    served = file_response.getvalue()
    pdf = assert_no_active_content(served)
    assert TEXT in pdf.pages[0].extract_text()
    assert Path(directive.file.path).read_bytes() == served
    assert [p.read_bytes() for p in (private_media / "quarantine").iterdir()] == [hostile]

    assert directive.active_content_removed["javascript"] == 7
    page = manager.get(reverse("assistant:directive_view", args=[directive.pk])).content.decode()
    assert "Đã gỡ bỏ khỏi tệp “chi-thi.pdf”" in page
    assert "mã JavaScript" in page
    other = reader.get(reverse("assistant:directive_view", args=[directive.pk])).content.decode()
    assert "Đã gỡ bỏ" not in other
    event = AuditEntry.objects.get(detail__event="directive.active_content_removed")
    assert event.actor_id == librarian.pk
    assert event.detail["removed"] == directive.active_content_removed

    # Indexing it again reads the cleaned copy: what was removed stays on record.
    with processing_uploads():
        manager.post(reverse("assistant:directive_reindex", args=[directive.pk]))
    directive.refresh_from_db()
    assert directive.status == DirectiveStatus.READY
    assert directive.active_content_removed["javascript"] == 7
