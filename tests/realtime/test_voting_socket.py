"""Voting over the socket: the chair runs the poll, members vote with acks, every tablet hears
the count (throttled, never the choice) and then the result."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from cabinet.live.services import attendance as attendance_services
from cabinet.meetings.services import meetings as meeting_services
from tests.factories import Room
from tests.realtime.sockets import joined, receive_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def command(client_id: str, name: str, **args: Any) -> dict[str, Any]:
    return {"type": "command", "id": client_id, "name": name, "args": args}


@sync_to_async
def room_with_voters() -> Room:
    room = Room()
    meeting_services.start_meeting(actor=room.chair.user, meeting=room.meeting)
    for p in (room.chair, room.member, room.listed_member):
        attendance_services.check_in(actor=p.user, meeting=room.meeting, mode="present")
    return room


async def test_a_secret_poll_from_opening_to_result_over_the_socket() -> None:
    room = await room_with_voters()
    chair, _ = await joined(room.meeting.pk, room.chair.user)
    member, _ = await joined(room.meeting.pk, room.member.user)
    other, _ = await joined(room.meeting.pk, room.listed_member.user)
    await chair.send_json_to(
        command("poll-create-1", "poll.create", question="Thông qua dự toán", kind="secret")
    )
    poll_id = (await receive_until(chair, "ack"))["result"]["poll"]
    await chair.send_json_to(command("poll-open-001", "poll.open", poll=poll_id))
    assert (await receive_until(chair, "ack"))["ok"]
    opened = await receive_until(member, "event")
    while opened["event"] != "poll.opened":
        opened = await receive_until(member, "event")
    options = [o["id"] for o in opened["data"]["poll"]["options"]]
    assert opened["data"]["poll"]["entitled"] == 3
    # Each tablet learns from the event itself whether it may vote.
    assert sorted(opened["data"]["voters"]) == sorted(
        [room.chair.pk, room.member.pk, room.listed_member.pk]
    )

    await member.send_json_to(
        command("ballot-member1", "vote.cast", poll=poll_id, option=options[0])
    )
    ack = await receive_until(member, "ack")
    assert ack["ok"]
    assert ack["result"]["poll"] == poll_id
    assert len(ack["result"]["receipt"]) == 16
    # A retry (lost ack) gets the same receipt; a second ballot is refused.
    await member.send_json_to(
        command("ballot-member1", "vote.cast", poll=poll_id, option=options[0])
    )
    assert (await receive_until(member, "ack")) == ack
    await member.send_json_to(
        command("ballot-member2", "vote.cast", poll=poll_id, option=options[1])
    )
    refused = await receive_until(member, "ack")
    assert refused["ok"] is False
    assert refused["message"] == "Đồng chí đã biểu quyết."

    progress = await receive_until(other, "progress")
    assert progress == {"type": "progress", "poll": poll_id, "voted": 1, "entitled": 3}
    await other.send_json_to(
        command("ballot-other01", "vote.cast", poll=poll_id, option=options[1])
    )
    assert (await receive_until(other, "ack"))["ok"]

    await member.send_json_to(command("member-close1", "poll.close", poll=poll_id))
    assert (await receive_until(member, "ack"))["ok"] is False  # only the chair closes
    await chair.send_json_to(command("poll-close-01", "poll.close", poll=poll_id))
    closed_ack = await receive_until(chair, "ack")
    assert closed_ack["result"]["cast"] == 2
    closed = await receive_until(other, "event")
    while closed["event"] != "poll.closed":
        closed = await receive_until(other, "event")
    result = closed["data"]["result"]
    assert [o["count"] for o in result["options"]] == [1, 1, 0]
    assert result["passed"] is False  # 1 of 3 members (chair and two members vote)
    # A late ballot is refused and told so.
    await chair.send_json_to(
        command("ballot-chair01", "vote.cast", poll=poll_id, option=options[0])
    )
    late = await receive_until(chair, "ack")
    assert late["ok"] is False
    assert "không được tính" in late["message"]
    # A tablet that reloads learns its own standing from the snapshot.
    await member.send_json_to({"type": "resume", "seq": None})
    state = (await receive_until(member, "snapshot"))["state"]
    assert state["me"]["polls"][str(poll_id)]["receipt"] == ack["result"]["receipt"]
    assert state["polls"][0]["result"]["cast"] == 2
    for socket in (chair, member, other):
        await socket.disconnect()
