"""Factories for test data: small functions that build real rows through the real services."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.test import TestCase
from django.utils import timezone
from pypdf import PdfWriter

from cabinet.meetings.services import agenda as agenda_services
from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import AgendaItem, Meeting, Paper, PaperVersion, Participant, Unit, User
from cabinet.papers.services import papers as paper_services

PASSWORD = "mat-khau-thu-nghiem-2026"
_counter = itertools.count(1)


def make_unit(**fields: Any) -> Unit:
    n = next(_counter)
    defaults = {"code": f"unit-{n}", "name": f"Sở Thử nghiệm {n}", "kind": "department"}
    return Unit.objects.create(**(defaults | fields))


def make_user(*, organizer: bool = False, **fields: Any) -> User:
    n = next(_counter)
    defaults = {"username": f"user{n}", "full_name": f"Nguyễn Văn {n}", "position": "Chuyên viên"}
    user = User(**(defaults | fields))
    user.set_password(PASSWORD)
    user.save()
    if organizer:
        user.user_permissions.add(Permission.objects.get(codename="organize_meetings"))
        user = User.objects.get(pk=user.pk)  # drop the cached permissions
    return user


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_upload(
    pages: int = 1, name: str = "tai-lieu.pdf", content: bytes | None = None
) -> SimpleUploadedFile:
    data = pdf_bytes(pages) if content is None else content
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def make_meeting(*, secretary: User | None = None, days: int = 0, **fields: Any) -> Meeting:
    """A draft meeting starting `days` from now: by default now, so that it can be started and
    checked in to (both are refused before the meeting's day)."""
    secretary = secretary or make_user(organizer=True)
    starts = timezone.now() + dt.timedelta(days=days)
    data: dict[str, Any] = {
        "title": "Phiên họp UBND Thành phố thường kỳ",
        "kind": "regular",
        "location": "Phòng họp số 1",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=3),
        "organizer_unit": make_unit(),
    } | fields
    return meeting_services.create_meeting(actor=secretary, **data)


def secretary_of(meeting: Meeting) -> User:
    return meeting.participants.get(role="secretary").user


def invite(
    meeting: Meeting, role: str, *, can_vote: bool | None = None, **user_fields: Any
) -> Participant:
    user = make_user(**user_fields)
    vote = role in {"chair", "member"} if can_vote is None else can_vote
    return meeting_services.invite_participant(
        actor=secretary_of(meeting), meeting=meeting, user=user, role=role, can_vote=vote
    )


def voting_meeting(
    members: int = 4, *, absent: int = 0
) -> tuple[Meeting, User, list[User], AgendaItem]:
    """A meeting in session with a chair and `members` members with a vote and an agenda item;
    everyone checked in except the last `absent` members. Returns (meeting, the chair's user,
    the members' users, the item)."""
    from cabinet.live.services import attendance as attendance_services

    meeting = make_meeting()
    chair = invite(meeting, "chair")
    people = [invite(meeting, "member") for _ in range(members)]
    item = add_item(meeting)
    meeting_services.publish_meeting(actor=secretary_of(meeting), meeting=meeting)
    meeting_services.start_meeting(actor=chair.user, meeting=meeting)
    for p in [chair, *people[: members - absent]]:
        attendance_services.check_in(actor=p.user, meeting=meeting, mode="present")
    return meeting, chair.user, [p.user for p in people], item


def add_item(meeting: Meeting, title: str = "Nội dung", **fields: Any) -> AgendaItem:
    return agenda_services.add_agenda_item(
        actor=secretary_of(meeting), meeting=meeting, title=title, **fields
    )


def processing_uploads() -> AbstractContextManager[list[Callable[[], Any]]]:
    """Run the upload's background task when the service's transaction commits, as the worker would.

    Tests run inside a transaction that never commits, so the on-commit enqueue is captured and
    executed here; the tests' TASKS backend (conftest) runs the task at once, sandbox included.
    """
    return TestCase.captureOnCommitCallbacks(execute=True)


def attach(
    meeting: Meeting, item: AgendaItem | None = None, pages: int = 1, **fields: Any
) -> Paper:
    with processing_uploads():
        return paper_services.attach_paper(
            actor=secretary_of(meeting),
            meeting=meeting,
            agenda_item=item,
            title=fields.pop("title", "Báo cáo"),
            kind=fields.pop("kind", "report"),
            upload=fields.pop("upload", None) or pdf_upload(pages),
            **fields,
        )


def add_version(
    paper: Paper, upload: UploadedFile | None = None, pages: int = 1, note: str = ""
) -> PaperVersion:
    with processing_uploads():
        version = paper_services.add_paper_version(
            actor=secretary_of(paper.meeting),
            paper=paper,
            upload=upload or pdf_upload(pages),
            note=note,
        )
    version.refresh_from_db()  # the task updated the row after the service returned it
    return version


class Room:
    """A published meeting with one participant of each role, a public item, a restricted item,
    an item the guest is invited to, and a paper on each (plus one meeting-wide paper)."""

    def __init__(self) -> None:
        self.meeting = make_meeting()
        self.secretary = secretary_of(self.meeting)
        self.chair = invite(self.meeting, "chair")
        self.member = invite(self.meeting, "member")
        self.listed_member = invite(self.meeting, "member")
        self.guest = invite(self.meeting, "guest")
        self.observer = invite(self.meeting, "observer")
        self.outsider = make_user()
        self.public_item = add_item(self.meeting, "Báo cáo chuyển đổi số")
        self.restricted_item = add_item(
            self.meeting, "Nhân sự", restricted=True, audience=[self.listed_member]
        )
        self.guest_item = add_item(self.meeting, "Quy chế phối hợp", audience=[self.guest])
        self.public_paper = attach(self.meeting, self.public_item, title="Báo cáo CĐS")
        self.restricted_paper = attach(self.meeting, self.restricted_item, title="Tờ trình nhân sự")
        self.guest_paper = attach(self.meeting, self.guest_item, title="Dự thảo quy chế")
        self.meeting_paper = attach(self.meeting, None, title="Chương trình", kind="agenda")
        meeting_services.publish_meeting(actor=self.secretary, meeting=self.meeting)

    def user(self, role: str) -> User | None:
        people: dict[str, User | None] = {
            "secretary": self.secretary,
            "chair": self.chair.user,
            "member": self.member.user,
            "listed_member": self.listed_member.user,
            "guest": self.guest.user,
            "observer": self.observer.user,
            "outsider": self.outsider,
            "anonymous": None,
        }
        return people[role]


def participant(meeting: Meeting, user: User) -> Participant:
    return meeting.participants.get(user=user)
