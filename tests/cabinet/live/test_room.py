"""The live room's services: meeting control, attendance and quorum, the speaker queue, presenting,
and command idempotency. Through the real services and database; the socket is tested in
tests/realtime/test_room_socket.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from cabinet.core.errors import ServiceError
from cabinet.live.services import attendance as attendance_services
from cabinet.live.services import room as room_services
from cabinet.live.services import session as session_services
from cabinet.live.services import speakers as speaker_services
from cabinet.live.services.commands import run_command
from cabinet.live.snapshot import quorum_for, snapshot_for
from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import (
    AgendaItem,
    Attendance,
    CommandReceipt,
    ItemClock,
    Meeting,
    MeetingEvent,
    RequestStatus,
    SpeakerRequest,
)
from tests.factories import Room, add_item, attach, invite, make_meeting, secretary_of

pytestmark = pytest.mark.django_db


def in_session_room() -> Room:
    room = Room()
    meeting_services.start_meeting(actor=room.chair.user, meeting=room.meeting)
    return room


def events_of(meeting: Meeting, type_: str) -> list[MeetingEvent]:
    return list(MeetingEvent.objects.filter(meeting=meeting, type=type_).order_by("seq"))


# --- quorum ---------------------------------------------------------------------------------------
def test_quorum_counts_entitled_members_present_online_or_represented() -> None:
    meeting = make_meeting()
    chair = invite(meeting, "chair")  # votes
    members = [invite(meeting, "member") for _ in range(8)]  # vote
    invite(meeting, "member", can_vote=False)  # attends without a vote: not in the base
    guest = invite(meeting, "guest")
    add_item(meeting)
    meeting_services.publish_meeting(actor=secretary_of(meeting), meeting=meeting)
    secretary = secretary_of(meeting)

    assert quorum_for(meeting) == {"present": 0, "total": 9, "required": 6, "reached": False}
    attendance_services.check_in(actor=chair.user, meeting=meeting, mode="present")
    attendance_services.check_in(actor=members[0].user, meeting=meeting, mode="online")
    attendance_services.check_in(actor=guest.user, meeting=meeting, mode="present")  # no vote
    for m in members[1:4]:
        attendance_services.mark_attendance(
            actor=secretary, meeting=meeting, participant_id=m.pk, status="present"
        )
    attendance_services.mark_attendance(
        actor=secretary,
        meeting=meeting,
        participant_id=members[4].pk,
        status="absent",
        reason="Đi công tác",
    )
    assert quorum_for(meeting)["present"] == 5
    assert not quorum_for(meeting)["reached"]
    attendance_services.mark_attendance(
        actor=secretary,
        meeting=meeting,
        participant_id=members[5].pk,
        status="represented",
        substitute="Phó Giám đốc Lê Văn C",
    )
    assert quorum_for(meeting) == {"present": 6, "total": 9, "required": 6, "reached": True}
    # Clearing a mark takes the member out again.
    attendance_services.mark_attendance(
        actor=secretary, meeting=meeting, participant_id=members[5].pk, status="unknown"
    )
    assert quorum_for(meeting)["present"] == 5
    last = events_of(meeting, "attendance.changed")[-1]
    assert last.payload["participant"] == members[5].pk
    assert last.payload["status"] == "unknown"
    assert last.payload["quorum"]["present"] == 5


def test_quorum_share_comes_from_settings(settings: Settings) -> None:
    settings.MEETING_QUORUM = (1, 2)
    meeting = make_meeting()
    invite(meeting, "chair")
    for _ in range(3):
        invite(meeting, "member")
    assert quorum_for(meeting)["required"] == 2  # more than... at least half of 4


def test_an_absence_needs_a_reason_and_a_representation_a_name() -> None:
    room = in_session_room()
    with pytest.raises(ServiceError, match="lý do"):
        attendance_services.mark_attendance(
            actor=room.secretary,
            meeting=room.meeting,
            participant_id=room.member.pk,
            status="absent",
        )
    with pytest.raises(ServiceError, match="người dự thay"):
        attendance_services.mark_attendance(
            actor=room.secretary,
            meeting=room.meeting,
            participant_id=room.member.pk,
            status="represented",
            substitute="  ",
        )
    assert not Attendance.objects.exists()


def test_a_member_cannot_mark_someone_elses_attendance() -> None:
    room = in_session_room()
    with pytest.raises(ServiceError):
        attendance_services.mark_attendance(
            actor=room.member.user,
            meeting=room.meeting,
            participant_id=room.listed_member.pk,
            status="present",
        )


def test_attendance_is_closed_after_the_meeting() -> None:
    room = in_session_room()
    session_services.end_meeting(actor=room.chair.user, meeting=room.meeting)
    with pytest.raises(ServiceError, match="Chỉ điểm danh"):
        attendance_services.check_in(actor=room.member.user, meeting=room.meeting, mode="present")


# --- meeting control --------------------------------------------------------------------------
def test_moving_the_item_starts_its_clock_and_stops_the_previous_one() -> None:
    room = in_session_room()
    chair = room.chair.user
    room_services.move_to_item(actor=chair, meeting=room.meeting, item_id=room.public_item.pk)
    first = ItemClock.objects.get(item=room.public_item)
    assert first.running_since is not None
    assert first.duration_s == room.public_item.planned_minutes * 60
    room_services.move_to_item(actor=chair, meeting=room.meeting, item_id=room.guest_item.pk)
    first.refresh_from_db()
    assert first.running_since is None
    event = events_of(room.meeting, "item.current")[-1]
    assert event.payload["item"] == room.guest_item.pk
    assert event.payload["clock"]["running_since"] is not None


def test_the_clock_pauses_resumes_and_takes_more_time() -> None:
    room = in_session_room()
    chair = room.chair.user
    room_services.move_to_item(actor=chair, meeting=room.meeting, item_id=room.public_item.pk)
    clock = ItemClock.objects.get(item=room.public_item)
    ItemClock.objects.filter(pk=clock.pk).update(
        running_since=timezone.now() - dt.timedelta(seconds=90)
    )
    room_services.pause_clock(actor=chair, meeting=room.meeting)
    clock.refresh_from_db()
    assert clock.running_since is None
    assert 89 <= clock.elapsed_s <= 91
    with pytest.raises(ServiceError, match="đang dừng"):
        room_services.pause_clock(actor=chair, meeting=room.meeting)
    room_services.adjust_clock(actor=chair, meeting=room.meeting, minutes=5)
    clock.refresh_from_db()
    assert clock.duration_s == (room.public_item.planned_minutes + 5) * 60
    room_services.adjust_clock(actor=chair, meeting=room.meeting, minutes=-600)
    clock.refresh_from_db()
    assert clock.duration_s == 60  # never below a minute
    room_services.start_clock(actor=chair, meeting=room.meeting)
    assert events_of(room.meeting, "timer.changed")[-1].payload["clock"]["running_since"]


def test_only_the_chair_or_secretary_moves_the_agenda() -> None:
    room = in_session_room()
    with pytest.raises(ServiceError):
        room_services.move_to_item(
            actor=room.member.user, meeting=room.meeting, item_id=room.public_item.pk
        )
    foreign = add_item(make_meeting())
    with pytest.raises(ServiceError, match="không thuộc"):
        room_services.move_to_item(actor=room.secretary, meeting=room.meeting, item_id=foreign.pk)


def test_ending_the_meeting_stops_clock_speech_and_presentation() -> None:
    room = in_session_room()
    chair = room.chair.user
    room_services.move_to_item(actor=chair, meeting=room.meeting, item_id=room.public_item.pk)
    request = speaker_services.request_floor(
        actor=room.member.user, meeting=room.meeting, position="for"
    )
    speaker_services.give_floor(actor=chair, meeting=room.meeting, request_id=request.pk)
    version = room.public_paper.current_version
    room_services.start_presenting(
        actor=chair, meeting=room.meeting, paper_id=room.public_paper.pk, version=1, page=1
    )
    assert version is not None
    session_services.end_meeting(actor=chair, meeting=room.meeting)
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    assert ItemClock.objects.get(item=room.public_item).running_since is None
    assert snapshot_for(room.member)["presenter"] is None


# --- speaker queue ----------------------------------------------------------------------------
def test_the_queue_runs_in_the_chairs_order() -> None:
    room = in_session_room()
    chair = room.chair.user
    room_services.move_to_item(actor=chair, meeting=room.meeting, item_id=room.public_item.pk)
    first = speaker_services.request_floor(
        actor=room.member.user, meeting=room.meeting, position="for", note="Đồng ý với tờ trình"
    )
    second = speaker_services.request_floor(
        actor=room.listed_member.user, meeting=room.meeting, position="against"
    )
    assert (first.order, second.order) == (1, 2)
    speaker_services.reorder_queue(
        actor=chair, meeting=room.meeting, item_id=room.public_item.pk, order=[second.pk, first.pk]
    )
    queue = snapshot_for(room.member)["queue"]
    assert [r["id"] for r in queue] == [second.pk, first.pk]
    speaker_services.give_floor(actor=chair, meeting=room.meeting, request_id=second.pk, minutes=3)
    speaker_services.give_floor(actor=chair, meeting=room.meeting, request_id=first.pk)
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == RequestStatus.DONE  # giving the floor ended the previous speech
    assert first.status == RequestStatus.SPEAKING
    assert first.limit_s == 300
    floor = events_of(room.meeting, "speaker.floor")[-1].payload
    assert floor["ended"] == second.pk
    assert floor["request"]["id"] == first.pk
    speaker_services.end_speech(actor=room.member.user, meeting=room.meeting, request_id=first.pk)
    assert snapshot_for(room.member)["queue"] == []


def test_one_open_request_per_member_per_item_and_withdrawing_only_ones_own() -> None:
    room = in_session_room()
    room_services.move_to_item(
        actor=room.chair.user, meeting=room.meeting, item_id=room.public_item.pk
    )
    mine = speaker_services.request_floor(
        actor=room.member.user, meeting=room.meeting, position="other"
    )
    with pytest.raises(ServiceError, match="đã đăng ký"):
        speaker_services.request_floor(actor=room.member.user, meeting=room.meeting, position="for")
    with pytest.raises(ServiceError, match="của mình"):
        speaker_services.withdraw_request(
            actor=room.listed_member.user, meeting=room.meeting, request_id=mine.pk
        )
    speaker_services.withdraw_request(
        actor=room.member.user, meeting=room.meeting, request_id=mine.pk
    )
    again = speaker_services.request_floor(
        actor=room.member.user, meeting=room.meeting, position="for"
    )
    assert again.status == RequestStatus.WAITING
    assert SpeakerRequest.objects.filter(participant=room.member).count() == 2


def test_a_member_cannot_reorder_or_give_the_floor() -> None:
    room = in_session_room()
    room_services.move_to_item(
        actor=room.chair.user, meeting=room.meeting, item_id=room.public_item.pk
    )
    request = speaker_services.request_floor(
        actor=room.member.user, meeting=room.meeting, position="for"
    )
    with pytest.raises(ServiceError):
        speaker_services.reorder_queue(
            actor=room.member.user,
            meeting=room.meeting,
            item_id=room.public_item.pk,
            order=[request.pk],
        )
    with pytest.raises(ServiceError):
        speaker_services.give_floor(
            actor=room.member.user, meeting=room.meeting, request_id=request.pk
        )


def test_a_stale_reorder_is_refused_rather_than_dropping_a_request() -> None:
    room = in_session_room()
    room_services.move_to_item(
        actor=room.chair.user, meeting=room.meeting, item_id=room.public_item.pk
    )
    first = speaker_services.request_floor(
        actor=room.member.user, meeting=room.meeting, position="for"
    )
    speaker_services.request_floor(
        actor=room.listed_member.user, meeting=room.meeting, position="for"
    )
    with pytest.raises(ServiceError, match="vừa thay đổi"):
        speaker_services.reorder_queue(
            actor=room.chair.user,
            meeting=room.meeting,
            item_id=room.public_item.pk,
            order=[first.pk],
        )


def test_observers_do_not_queue_and_restricted_items_are_out_of_reach() -> None:
    room = in_session_room()
    with pytest.raises(ServiceError, match="theo dõi"):
        speaker_services.request_floor(
            actor=room.observer.user,
            meeting=room.meeting,
            position="for",
            item_id=room.public_item.pk,
        )
    with pytest.raises(ServiceError, match="Không tìm thấy"):
        speaker_services.request_floor(
            actor=room.member.user,
            meeting=room.meeting,
            position="for",
            item_id=room.restricted_item.pk,
        )


def test_the_snapshot_shows_a_member_only_what_they_may_see() -> None:
    room = in_session_room()
    speaker_services.request_floor(
        actor=room.listed_member.user,
        meeting=room.meeting,
        position="for",
        item_id=room.restricted_item.pk,
    )
    member_view = snapshot_for(room.member)
    listed_view = snapshot_for(room.listed_member)
    assert room.restricted_item.pk not in [i["id"] for i in member_view["items"]]
    assert member_view["queue"] == []
    assert [r["item"] for r in listed_view["queue"]] == [room.restricted_item.pk]
    assert member_view["me"] == {
        "participant": room.member.pk,
        "user": room.member.user_id,
        "role": "member",
        "can_run": False,
        "can_present": False,
        "follows_presenter": True,
        "polls": {},
    }
    assert [i["number"] for i in snapshot_for(room.chair)["items"]] == ["1", "2", "3"]


# --- presenting -------------------------------------------------------------------------------
def test_the_presenter_turns_pages_and_nobody_else_does() -> None:
    room = in_session_room()
    paper = attach(room.meeting, room.public_item, pages=5, title="Báo cáo 5 trang")
    chair = room.chair.user
    room_services.start_presenting(
        actor=chair, meeting=room.meeting, paper_id=paper.pk, version=1, page=1
    )
    room_services.turn_page(actor=chair, meeting=room.meeting, page=4)
    assert events_of(room.meeting, "presenter.page")[-1].payload == {
        "paper": paper.pk,
        "version": 1,
        "page": 4,
    }
    with pytest.raises(ServiceError, match="không phải là người đang trình bày"):
        room_services.turn_page(actor=room.member.user, meeting=room.meeting, page=2)
    with pytest.raises(ServiceError, match="Số trang"):
        room_services.turn_page(actor=chair, meeting=room.meeting, page=6)
    before = room.meeting.events.count()
    room_services.turn_page(actor=chair, meeting=room.meeting, page=4)
    assert room.meeting.events.count() == before  # same page: nothing announced
    presenter = snapshot_for(room.member)["presenter"]
    assert presenter is not None
    assert presenter["page"] == 4
    assert presenter["title"] == "Báo cáo 5 trang"


def test_a_member_presents_only_the_item_they_present() -> None:
    room = in_session_room()
    with pytest.raises(ServiceError, match="Chỉ chủ trì"):
        room_services.start_presenting(
            actor=room.member.user,
            meeting=room.meeting,
            paper_id=room.public_paper.pk,
            version=1,
            page=1,
        )


def test_the_official_presenting_the_current_item_may_present_its_papers() -> None:
    room = in_session_room()
    AgendaItem.objects.filter(pk=room.public_item.pk).update(presenter=room.member.user)
    room_services.move_to_item(
        actor=room.chair.user, meeting=room.meeting, item_id=room.public_item.pk
    )
    assert snapshot_for(room.member)["me"]["can_present"] is True
    room_services.start_presenting(
        actor=room.member.user,
        meeting=room.meeting,
        paper_id=room.public_paper.pk,
        version=1,
        page=1,
    )
    presenter = snapshot_for(room.chair)["presenter"]
    assert presenter is not None
    assert presenter["participant"] == room.member.pk
    # Once the chair moves on, the item's presenter is an ordinary member again.
    room_services.move_to_item(
        actor=room.chair.user, meeting=room.meeting, item_id=room.guest_item.pk
    )
    assert snapshot_for(room.member)["me"]["can_present"] is False


def test_following_the_presenter_is_a_personal_choice_that_is_kept() -> None:
    room = in_session_room()
    before = room.meeting.events.count()
    room_services.set_following(actor=room.member.user, meeting=room.meeting, follow=False)
    room.member.refresh_from_db()
    assert snapshot_for(room.member)["me"]["follows_presenter"] is False
    assert room.meeting.events.count() == before


# --- commands -----------------------------------------------------------------------------------
def test_a_retried_command_gets_the_same_ack_and_changes_nothing() -> None:
    room = in_session_room()
    room_services.move_to_item(
        actor=room.chair.user, meeting=room.meeting, item_id=room.public_item.pk
    )
    args = {"position": "for", "note": "Xin phát biểu"}
    first = run_command(
        actor=room.member.user,
        meeting_id=room.meeting.pk,
        client_id="tablet-0001",
        name="speaker.request",
        args=args,
    )
    seq = room.meeting.events.count()
    again = run_command(
        actor=room.member.user,
        meeting_id=room.meeting.pk,
        client_id="tablet-0001",
        name="speaker.request",
        args=args,
    )
    assert first.ok
    assert again == first
    assert first.result["request"] == SpeakerRequest.objects.get().pk
    assert room.meeting.events.count() == seq
    reused = run_command(
        actor=room.member.user,
        meeting_id=room.meeting.pk,
        client_id="tablet-0001",
        name="speaker.withdraw",
        args={"request": first.result["request"]},
    )
    assert not reused.ok
    assert reused.code == "id_reused"


def test_a_refused_command_leaves_no_receipt() -> None:
    room = in_session_room()
    ack = run_command(
        actor=room.member.user,
        meeting_id=room.meeting.pk,
        client_id="tablet-0002",
        name="item.move",
        args={"item": room.public_item.pk},
    )
    assert not ack.ok
    assert ack.code == "refused"
    assert "chủ trì" in ack.message
    assert not CommandReceipt.objects.exists()


def test_every_command_the_socket_accepts_has_a_service() -> None:
    from cabinet.live.services.commands import HANDLERS
    from realtime.events import COMMANDS

    assert set(COMMANDS) == set(HANDLERS)


def test_the_console_is_for_the_chair_and_secretaries_only(client: Client) -> None:
    from tests.factories import PASSWORD

    room = in_session_room()
    url = f"/meetings/{room.meeting.pk}/console/"
    expected = {
        room.chair.user: 200,
        room.secretary: 200,
        room.member.user: 403,
        room.observer.user: 403,
        room.outsider: 404,  # a non-participant does not learn that the meeting exists
    }
    for user, status in expected.items():
        client.login(username=user.username, password=PASSWORD)
        assert client.get(url).status_code == status, user
        client.logout()
    assert client.get(url).status_code == 302  # signed out: to the login page
