"""A meeting starts on its day (Vietnam's date), not weeks ahead: starting and checking in are
refused before it; the chair may start early with a reason, which the event log keeps."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cabinet.core.errors import ServiceError
from cabinet.live.services import attendance as attendance_services
from cabinet.live.services.commands import run_command
from cabinet.meetings.services import meetings as svc
from cabinet.models import Attendance, Meeting, MeetingEvent, MeetingStatus, Participant
from tests.factories import add_item, invite, make_meeting, secretary_of

pytestmark = pytest.mark.django_db

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def published(days: int) -> tuple[Meeting, Participant, Participant]:
    """A published meeting `days` from now, with its chair and a member."""
    meeting = make_meeting(days=days)
    chair = invite(meeting, "chair")
    member = invite(meeting, "member")
    add_item(meeting, "Khai mạc")
    svc.publish_meeting(actor=secretary_of(meeting), meeting=meeting)
    return meeting, chair, member


def status_of(meeting: Meeting) -> str:
    meeting.refresh_from_db()
    return meeting.status


def test_a_meeting_three_weeks_ahead_cannot_be_started() -> None:
    meeting, chair, _member = published(days=21)
    with pytest.raises(ServiceError, match="Chưa đến ngày họp"):
        svc.start_meeting(actor=chair.user, meeting=meeting)
    with pytest.raises(ServiceError, match="Chưa đến ngày họp"):
        svc.start_meeting(actor=secretary_of(meeting), meeting=meeting)
    assert status_of(meeting) == MeetingStatus.PUBLISHED


def test_members_cannot_check_in_before_the_meetings_day() -> None:
    meeting, _chair, member = published(days=21)
    with pytest.raises(ServiceError, match="Chưa đến ngày họp"):
        attendance_services.check_in(actor=member.user, meeting=meeting, mode="present")
    with pytest.raises(ServiceError, match="Chưa đến ngày họp"):
        attendance_services.mark_attendance(
            actor=secretary_of(meeting),
            meeting=meeting,
            participant_id=member.pk,
            status="present",
        )
    assert not Attendance.objects.filter(meeting=meeting).exists()


def test_an_absence_can_still_be_noted_ahead_of_the_day() -> None:
    """A member who tells the office in advance that he will be away: recorded before the day."""
    meeting, _chair, member = published(days=21)
    attendance_services.mark_attendance(
        actor=secretary_of(meeting),
        meeting=meeting,
        participant_id=member.pk,
        status="absent",
        reason="Đi công tác",
    )
    assert Attendance.objects.get(participant=member).status == "absent"


def test_the_day_is_vietnams_date_not_utcs() -> None:
    """06:30 tomorrow in Hà Nội is still today in UTC: not yet the meeting's day."""
    meeting, _chair, _member = published(days=21)
    now = timezone.now()
    tomorrow = timezone.localtime(now, VIETNAM).date() + dt.timedelta(days=1)
    meeting.starts_at = dt.datetime.combine(tomorrow, dt.time(6, 30), tzinfo=VIETNAM)
    meeting.save(update_fields=["starts_at"])
    assert not svc.meeting_day_reached(meeting)
    at_dawn = dt.datetime.combine(tomorrow, dt.time(0, 5), tzinfo=VIETNAM)
    assert svc.meeting_day_reached(meeting, now=at_dawn)
    assert at_dawn.astimezone(dt.UTC).date() < tomorrow  # the UTC date is still the day before


def test_the_chair_may_start_early_with_a_reason_which_is_recorded() -> None:
    meeting, chair, member = published(days=21)
    with pytest.raises(ServiceError, match="lý do"):
        svc.start_meeting(actor=chair.user, meeting=meeting, early_reason="   ")
    reason = "Họp đột xuất theo chỉ đạo của Chủ tịch UBND Thành phố"
    svc.start_meeting(actor=chair.user, meeting=meeting, early_reason=reason)
    assert status_of(meeting) == MeetingStatus.IN_SESSION
    started = MeetingEvent.objects.get(meeting=meeting, type="meeting.started")
    assert started.payload["early_reason"] == reason
    assert started.actor == chair.user
    # Once the chair has opened it, the members check in as on any meeting day.
    attendance_services.check_in(actor=member.user, meeting=meeting, mode="present")


def test_only_the_chair_may_start_early() -> None:
    meeting, _chair, _member = published(days=21)
    with pytest.raises(ServiceError, match="Chỉ người chủ trì"):
        svc.start_meeting(actor=secretary_of(meeting), meeting=meeting, early_reason="Gấp")
    assert status_of(meeting) == MeetingStatus.PUBLISHED


def test_the_tablets_start_and_check_in_commands_are_refused_before_the_day() -> None:
    meeting, chair, member = published(days=21)
    start = run_command(
        actor=chair.user,
        meeting_id=meeting.pk,
        client_id=str(uuid.uuid4()),
        name="meeting.start",
        args={},
    )
    assert not start.ok
    assert "Chưa đến ngày họp" in start.message
    check_in = run_command(
        actor=member.user,
        meeting_id=meeting.pk,
        client_id=str(uuid.uuid4()),
        name="attendance.check_in",
        args={"mode": "present"},
    )
    assert not check_in.ok
    assert "Chưa đến ngày họp" in check_in.message
    assert status_of(meeting) == MeetingStatus.PUBLISHED
    assert not Attendance.objects.filter(meeting=meeting).exists()


def test_on_its_day_the_meeting_starts_without_a_reason(client: Client) -> None:
    meeting, chair, _member = published(days=0)
    client.force_login(chair.user)
    page = client.get(reverse("cabinet:meeting", args=[meeting.pk])).content.decode()
    assert 'name="early_reason"' not in page
    client.post(reverse("cabinet:meeting_transition", args=[meeting.pk, "start"]))
    assert status_of(meeting) == MeetingStatus.IN_SESSION
    started = MeetingEvent.objects.get(meeting=meeting, type="meeting.started")
    assert "early_reason" not in started.payload


def test_starting_early_over_http_needs_the_chairs_reason(client: Client) -> None:
    meeting, chair, _member = published(days=21)
    url = reverse("cabinet:meeting_transition", args=[meeting.pk, "start"])
    client.force_login(chair.user)
    page = client.get(reverse("cabinet:meeting", args=[meeting.pk])).content.decode()
    assert "Chưa đến ngày họp" in page
    assert 'name="early_reason"' in page  # the chair is offered to start early, with a reason
    assert "Điểm danh mở vào ngày họp." in page  # no check-in buttons to press in vain

    refused = client.post(url, follow=True).content.decode()
    assert "Chưa đến ngày họp" in refused
    assert status_of(meeting) == MeetingStatus.PUBLISHED

    client.post(url, {"early_reason": "Họp đột xuất về phòng chống bão số 9"})
    assert status_of(meeting) == MeetingStatus.IN_SESSION
    started = MeetingEvent.objects.get(meeting=meeting, type="meeting.started")
    assert started.payload["early_reason"] == "Họp đột xuất về phòng chống bão số 9"


def test_the_secretary_is_told_only_the_chair_may_start_early(client: Client) -> None:
    meeting, _chair, _member = published(days=21)
    client.force_login(secretary_of(meeting))
    page = client.get(reverse("cabinet:meeting", args=[meeting.pk])).content.decode()
    assert "Chưa đến ngày họp" in page
    assert 'name="early_reason"' not in page
    client.post(
        reverse("cabinet:meeting_transition", args=[meeting.pk, "start"]),
        {"early_reason": "Gấp"},
    )
    assert status_of(meeting) == MeetingStatus.PUBLISHED


def test_an_overlong_reason_is_refused_with_a_message(client: Client) -> None:
    meeting, chair, _member = published(days=21)
    client.force_login(chair.user)
    page = client.post(
        reverse("cabinet:meeting_transition", args=[meeting.pk, "start"]),
        {"early_reason": "x" * 501},
        follow=True,
    ).content.decode()
    assert "tối đa 500 ký tự" in page
    assert status_of(meeting) == MeetingStatus.PUBLISHED
