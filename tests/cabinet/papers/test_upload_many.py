"""Uploading papers (issue 19, point 11): several files at once, each its own paper through the
same checks; a refused file is named and the others still go in; the title comes from the file
name when none is typed; the type is guessed from the name, never "Chương trình" by default."""

from __future__ import annotations

import re
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cabinet.models import Meeting, Paper
from tests.factories import make_meeting, pdf_bytes, secretary_of

pytestmark = pytest.mark.django_db


def pdf(name: str, pages: int = 1) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(pages), content_type="application/pdf")


def secretary_client(meeting: Meeting) -> Client:
    client = Client()
    client.force_login(secretary_of(meeting))
    return client


def papers(meeting: Meeting) -> list[tuple[str, str]]:
    return list(Paper.objects.filter(meeting=meeting).order_by("pk").values_list("title", "kind"))


def test_the_form_does_not_propose_the_agenda_as_the_papers_type() -> None:
    meeting = make_meeting()
    page = secretary_client(meeting).get(reverse("cabinet:paper_upload", args=[meeting.pk]))
    kind = re.search(r'<select name="kind"[^>]*>(.*?)</select>', page.content.decode(), re.S)
    assert kind is not None
    selected = re.findall(r'<option value="(\w*)"[^>]*selected>([^<]*)', kind.group(1))
    assert selected == [("auto", "Theo tên tệp")]
    assert "multiple" in re.search(r'<input type="file"[^>]*>', page.content.decode()).group(0)  # type: ignore[union-attr]


def test_several_files_become_several_papers_titled_and_typed_by_their_names() -> None:
    meeting = make_meeting()
    response = secretary_client(meeting).post(
        reverse("cabinet:paper_upload", args=[meeting.pk]),
        {
            "title": "",
            "kind": "auto",
            "file": [
                pdf("Báo cáo tình hình KT-XH quý II.pdf", 1),
                pdf("To_trinh_du_an_so_hoa.pdf", 2),
                # macOS sends names decomposed (NFD): the title is stored composed.
                pdf(unicodedata.normalize("NFD", "Dự thảo Quyết định ban hành quy chế.pdf"), 3),
                pdf("Phu luc 2.pdf", 4),
            ],
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("cabinet:meeting", args=[meeting.pk])
    assert papers(meeting) == [
        ("Báo cáo tình hình KT-XH quý II", "report"),
        ("To trinh du an so hoa", "proposal"),
        ("Dự thảo Quyết định ban hành quy chế", "draft_decision"),
        ("Phu luc 2", "other"),
    ]
    assert "Đã tải lên 4 tài liệu" in response.content.decode()


def test_a_refused_file_is_named_and_the_others_still_go_in() -> None:
    meeting = make_meeting()
    response = secretary_client(meeting).post(
        reverse("cabinet:paper_upload", args=[meeting.pk]),
        {
            "kind": "report",
            "file": [
                pdf("Báo cáo 1.pdf", 1),
                SimpleUploadedFile("Hồ sơ giả.pdf", b"not a pdf at all", "application/pdf"),
                pdf("Báo cáo 2.pdf", 2),
            ],
        },
        follow=True,
    )
    assert papers(meeting) == [("Báo cáo 1", "report"), ("Báo cáo 2", "report")]
    page = " ".join(response.content.decode().split())
    assert "Đã tải lên 2 tài liệu" in page
    assert "Không nhận tệp “Hồ sơ giả.pdf”: Định dạng tệp không được hỗ trợ" in page


def test_one_file_with_a_typed_title_and_type_keeps_them() -> None:
    meeting = make_meeting()
    response = secretary_client(meeting).post(
        reverse("cabinet:paper_upload", args=[meeting.pk]),
        {"title": "Báo cáo thẩm định", "kind": "report", "file": pdf("To trinh 12.pdf")},
    )
    assert response.status_code == 302
    assert papers(meeting) == [("Báo cáo thẩm định", "report")]


def test_a_typed_title_with_several_files_is_refused_and_kept_on_the_form() -> None:
    meeting = make_meeting()
    response = secretary_client(meeting).post(
        reverse("cabinet:paper_upload", args=[meeting.pk]),
        {"title": "Hồ sơ dự án", "kind": "auto", "file": [pdf("a.pdf", 1), pdf("b.pdf", 2)]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Hồ sơ dự án"' in page
    assert "tên mỗi tài liệu lấy từ tên tệp" in page
    assert papers(meeting) == []
