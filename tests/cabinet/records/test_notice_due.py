"""The conclusion notice's deadline on an ended meeting: five working days (Decision 45/2018)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from cabinet.live.services import session as session_services
from cabinet.meetings import selectors
from cabinet.models import Meeting, User
from tests.factories import secretary_of, voting_meeting

pytestmark = pytest.mark.django_db


def ended_meeting() -> tuple[Meeting, User, list[User]]:
    meeting, chair, members, _item = voting_meeting(members=2)
    meeting = session_services.end_meeting(actor=chair, meeting=meeting)
    return meeting, chair, members


def test_an_ended_meeting_counts_down_five_working_days_from_its_end(
    settings: Settings,
) -> None:
    settings.HOLIDAYS = []
    meeting, _chair, _members = ended_meeting()
    ended_on = timezone.localdate()
    deadline = ended_on
    for _ in range(5):  # the fifth weekday after the end (no holiday configured)
        deadline += dt.timedelta(days=1)
        while deadline.weekday() >= 5 or (deadline.month, deadline.day) in (
            (1, 1),
            (4, 30),
            (5, 1),
            (9, 2),
        ):
            deadline += dt.timedelta(days=1)

    due = selectors.notice_due(meeting)
    late = selectors.notice_due(meeting, today=deadline + dt.timedelta(days=7))

    assert due is not None
    assert due.ended_on == ended_on
    assert due.deadline == deadline
    assert due.working_days_left == 5
    assert late is not None
    assert late.overdue
    assert late.days_late == 5


def test_the_deadline_is_shown_to_the_organizers_only(client: Client) -> None:
    meeting, chair, members = ended_meeting()

    client.force_login(secretary_of(meeting))
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert 'id="notice-due"' in page
    assert "hạn ban hành" in page

    client.force_login(chair)
    assert 'id="notice-due"' in client.get(f"/meetings/{meeting.pk}/").content.decode()

    client.force_login(members[0])
    assert 'id="notice-due"' not in client.get(f"/meetings/{meeting.pk}/").content.decode()


def test_no_deadline_before_the_meeting_ends() -> None:
    meeting, _chair, _members, _item = voting_meeting(members=1)

    assert selectors.notice_due(meeting) is None


def test_a_meeting_marked_ended_days_late_counts_from_the_day_it_was_held() -> None:
    from cabinet.models import Meeting

    meeting, _chair, _members = ended_meeting()
    held = timezone.now() - dt.timedelta(days=10)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=held, ends_at=held + dt.timedelta(hours=3)
    )
    meeting.refresh_from_db()

    due = selectors.notice_due(meeting)

    assert due is not None
    assert due.ended_on == timezone.localdate(meeting.ends_at)
    assert due.overdue
