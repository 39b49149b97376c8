"""The meeting lifecycle: only legal transitions, each recorded in the gap-free event log."""

from __future__ import annotations

import pytest

from cabinet.core.errors import ServiceError
from cabinet.live.services import session as session_services
from cabinet.meetings.services import meetings as svc
from cabinet.models import Meeting, MeetingEvent, MeetingStatus, User
from tests.factories import add_item, invite, make_meeting, make_user, secretary_of

pytestmark = pytest.mark.django_db


def ready_meeting() -> tuple[Meeting, User, User]:
    meeting = make_meeting()
    chair = invite(meeting, "chair")
    add_item(meeting, "Khai mạc")
    return meeting, secretary_of(meeting), chair.user


def test_meeting_walks_the_whole_lifecycle_in_order() -> None:
    meeting, secretary, chair = ready_meeting()
    svc.publish_meeting(actor=secretary, meeting=meeting)
    svc.start_meeting(actor=chair, meeting=meeting)
    session_services.end_meeting(actor=chair, meeting=meeting)
    svc.conclude_meeting(actor=secretary, meeting=meeting)
    svc.archive_meeting(actor=secretary, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.ARCHIVED
    kinds = list(meeting.events.values_list("type", flat=True))
    assert kinds[-5:] == [
        "meeting.published",
        "meeting.started",
        "meeting.ended",
        "meeting.concluded",
        "meeting.archived",
    ]


@pytest.mark.parametrize(
    ("steps", "illegal"),
    [
        ([], "start"),  # draft cannot start
        ([], "end"),
        (["publish"], "publish"),  # twice
        (["publish"], "end"),  # skipping the session
        (["publish", "start"], "publish"),  # back to published
        (["publish", "start", "end"], "start"),  # re-open an ended meeting
        (["publish", "start", "end"], "archive"),  # archive before the conclusion
    ],
)
def test_illegal_transition_is_refused_and_changes_nothing(steps: list[str], illegal: str) -> None:
    meeting, secretary, chair = ready_meeting()
    actions = {
        "publish": lambda: svc.publish_meeting(actor=secretary, meeting=meeting),
        "start": lambda: svc.start_meeting(actor=chair, meeting=meeting),
        "end": lambda: session_services.end_meeting(actor=chair, meeting=meeting),
        "archive": lambda: svc.archive_meeting(actor=secretary, meeting=meeting),
    }
    for step in steps:
        actions[step]()
    meeting.refresh_from_db()
    before_status, before_seq = meeting.status, meeting.last_seq
    with pytest.raises(ServiceError, match="Không thể chuyển"):
        actions[illegal]()
    meeting.refresh_from_db()
    assert (meeting.status, meeting.last_seq) == (before_status, before_seq)


def test_publishing_needs_a_chair_and_an_agenda() -> None:
    meeting = make_meeting()
    secretary = secretary_of(meeting)
    with pytest.raises(ServiceError, match="chủ trì"):
        svc.publish_meeting(actor=secretary, meeting=meeting)
    invite(meeting, "chair")
    with pytest.raises(ServiceError, match="Chương trình"):
        svc.publish_meeting(actor=secretary, meeting=meeting)
    add_item(meeting)
    svc.publish_meeting(actor=secretary, meeting=meeting)
    assert meeting.status == MeetingStatus.PUBLISHED


def test_only_the_secretary_publishes_and_only_chair_or_secretary_start() -> None:
    meeting, secretary, chair = ready_meeting()
    member = invite(meeting, "member").user
    with pytest.raises(ServiceError):
        svc.publish_meeting(actor=member, meeting=meeting)
    with pytest.raises(ServiceError):
        svc.publish_meeting(actor=chair, meeting=meeting)
    svc.publish_meeting(actor=secretary, meeting=meeting)
    with pytest.raises(ServiceError):
        svc.start_meeting(actor=member, meeting=meeting)
    with pytest.raises(ServiceError):
        svc.start_meeting(actor=make_user(), meeting=meeting)
    svc.start_meeting(actor=chair, meeting=meeting)
    assert meeting.status == MeetingStatus.IN_SESSION


def test_only_organizers_may_create_meetings() -> None:
    with pytest.raises(ServiceError, match="quyền tạo"):
        make_meeting(secretary=make_user())


def test_event_log_numbers_are_gap_free_per_meeting() -> None:
    first, _, _ = ready_meeting()
    second, _, _ = ready_meeting()
    add_item(first, "Thêm")
    for meeting in (first, second):
        seqs = list(
            MeetingEvent.objects.filter(meeting=meeting)
            .order_by("seq")
            .values_list("seq", flat=True)
        )
        meeting.refresh_from_db()
        assert seqs == list(range(1, len(seqs) + 1))
        assert meeting.last_seq == seqs[-1]


def test_a_failed_change_leaves_no_event_behind() -> None:
    meeting, secretary, _ = ready_meeting()
    meeting.refresh_from_db()
    seq = meeting.last_seq
    with pytest.raises(ServiceError):
        svc.start_meeting(actor=secretary, meeting=meeting)  # still a draft
    assert MeetingEvent.objects.filter(meeting=meeting).count() == seq


def test_agenda_and_participants_freeze_once_the_meeting_has_ended() -> None:
    meeting, secretary, chair = ready_meeting()
    svc.publish_meeting(actor=secretary, meeting=meeting)
    svc.start_meeting(actor=chair, meeting=meeting)
    session_services.end_meeting(actor=chair, meeting=meeting)
    with pytest.raises(ServiceError, match="đã diễn ra"):
        add_item(meeting, "Muộn")
    with pytest.raises(ServiceError, match="đã diễn ra"):
        invite(meeting, "member")
