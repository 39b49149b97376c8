"""Tasks for the follow-up tests: rows made directly with the ORM (recording tasks and issuing
the notice belong to other services), tracked unless told otherwise."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import zipfile
from typing import Any

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cabinet.models import Meeting, Task, TaskStatus, Unit, User
from tests.factories.base import make_meeting, make_unit, make_user, pdf_bytes, secretary_of

_position = itertools.count(1)


def follow_up_user(**fields: Any) -> User:
    """An official of the office (or a leader) with the cabinet.follow_up_tasks permission."""
    user = make_user(**fields)
    user.user_permissions.add(Permission.objects.get(codename="follow_up_tasks"))
    return User.objects.get(pk=user.pk)  # drop the cached permissions


def make_task(
    *,
    lead: Unit,
    meeting: Meeting | None = None,
    coordinating: tuple[Unit, ...] = (),
    deadline: dt.date | None = None,
    status: str = TaskStatus.NOT_STARTED,
    tracked: bool = True,
    content: str = "Rà soát, tổng hợp nhu cầu vốn đầu tư công năm 2026",
    **fields: Any,
) -> Task:
    meeting = meeting or make_meeting()
    task = Task.objects.create(
        meeting=meeting,
        position=next(_position),
        lead_unit=lead,
        content=content,
        deadline=deadline,
        status=status,
        tracked_since=timezone.now() if tracked else None,
        completed_at=timezone.now() if status == TaskStatus.DONE else None,
        created_by=secretary_of(meeting),
        **fields,
    )
    task.coordinating_units.set(coordinating)
    return task


class TaskWorld:
    """Three departments with one official each, an office user who follows up, a meeting."""

    def __init__(self) -> None:
        self.finance = make_unit(name="Sở Tài chính", short_name="STC", code="stc")
        self.home_affairs = make_unit(name="Sở Nội vụ", short_name="SNV", code="snv")
        self.police = make_unit(
            name="Công an Thành phố", short_name="CATP", code="catp", kind="sector"
        )
        self.finance_user = make_user(unit=self.finance, username="gd.taichinh")
        self.home_user = make_user(unit=self.home_affairs, username="gd.noivu")
        self.police_user = make_user(unit=self.police, username="gd.congan")
        self.office = follow_up_user(username="thuky.tasks")
        self.meeting = make_meeting(title="Phiên họp thường kỳ tháng 1")

    def task(self, lead: Unit, **fields: Any) -> Task:
        return make_task(lead=lead, meeting=fields.pop("meeting", self.meeting), **fields)


def upload(
    name: str, data: bytes, content_type: str = "application/octet-stream"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def pdf_attachment(name: str = "bao-cao.pdf", pages: int = 1) -> SimpleUploadedFile:
    return upload(name, pdf_bytes(pages), "application/pdf")


def docx_bytes() -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph("Báo cáo tiến độ")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Chỉ tiêu", "Kết quả"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def png_bytes() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def plain_zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not an office document")
    return buffer.getvalue()
