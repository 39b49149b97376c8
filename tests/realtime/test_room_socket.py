"""The live room over the socket, through the real `realtime.asgi:application`: schema, size and
rate limits, resume by replay and by snapshot, idempotent acks, the queue and its permissions,
meeting control reaching every tablet, removal closing the socket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from cabinet.core.events import record_event
from cabinet.live.selectors import Admission
from cabinet.live.services import room as room_services
from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import SpeakerRequest
from realtime import events
from tests.factories import Room
from tests.realtime.sockets import communicator, joined, receive_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def room_in_session() -> Room:
    room = Room()
    meeting_services.start_meeting(actor=room.chair.user, meeting=room.meeting)
    room_services.move_to_item(
        actor=room.chair.user, meeting=room.meeting, item_id=room.public_item.pk
    )
    room.meeting.refresh_from_db()
    return room


def command(client_id: str, name: str, **args: Any) -> dict[str, Any]:
    return {"type": "command", "id": client_id, "name": name, "args": args}


async def test_malformed_commands_get_a_clear_error_and_the_socket_stays_usable() -> None:
    room = await room_in_session()
    socket, _ = await joined(room.meeting.pk, room.member.user)
    bad = [
        ({"type": "command", "id": "short", "name": "timer.start", "args": {}}, "Mã lệnh"),
        (command("cmd-000001", "meeting.delete"), "không được hỗ trợ"),
        (command("cmd-000002", "speaker.request"), "Thiếu"),
        (command("cmd-000003", "speaker.request", position="maybe"), "không hợp lệ"),
        (command("cmd-000004", "speaker.withdraw", request=True), "sai kiểu"),
        (command("cmd-000005", "speaker.request", position="for", extra=1), "extra"),
        (command("cmd-000006", "speaker.request", position="for", note="x" * 501), "dài quá"),
        ({"type": "resume", "seq": -1}, "Số thứ tự"),
        ({"type": "command", "id": "cmd-000007", "name": "timer.start", "args": []}, "Tham số"),
    ]
    for message, words in bad:
        await socket.send_json_to(message)
        reply = await socket.receive_json_from(timeout=5)
        assert reply["type"] == "error", message
        assert reply["code"] == "bad_message", message
        assert words in reply["message"], (message, reply)
    await socket.send_to(text_data="[1, 2]")
    assert (await socket.receive_json_from(timeout=5))["code"] == "bad_message"
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    assert not await sync_to_async(SpeakerRequest.objects.exists)()
    await socket.disconnect()


async def test_a_flood_gets_one_error_then_a_close() -> None:
    room = await room_in_session()
    socket, _ = await joined(room.meeting.pk, room.member.user)
    for _ in range(events.RATE_BURST + events.RATE_STRIKES + 5):
        await socket.send_json_to({"type": "ping"})
    pongs, errors = 0, []
    while True:
        output = await socket.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            assert output["code"] == events.Close.FLOOD
            break
        message = json.loads(output["text"])
        if message["type"] == "pong":
            pongs += 1
        else:
            errors.append(message)
    assert pongs >= events.RATE_BURST
    assert [e["code"] for e in errors] == ["rate_limited"]
    assert "chậm lại" in errors[0]["message"]


async def test_resume_replays_the_missed_events_in_order() -> None:
    room = await room_in_session()
    seen = room.meeting.last_seq

    @sync_to_async
    def changes_while_away() -> None:
        room_services.adjust_clock(actor=room.chair.user, meeting=room.meeting, minutes=5)
        room_services.pause_clock(actor=room.chair.user, meeting=room.meeting)
        room_services.move_to_item(
            actor=room.chair.user, meeting=room.meeting, item_id=room.guest_item.pk
        )

    await changes_while_away()
    socket, hello = await joined(room.meeting.pk, room.member.user)
    assert hello["seq"] == seen + 3
    await socket.send_json_to({"type": "resume", "seq": seen})
    replayed = [await socket.receive_json_from(timeout=5) for _ in range(4)]
    assert [m.get("event") for m in replayed[:3]] == [
        "timer.changed",
        "timer.changed",
        "item.current",
    ]
    assert [m["seq"] for m in replayed[:3]] == [seen + 1, seen + 2, seen + 3]
    assert replayed[3] == {"type": "resumed", "seq": seen + 3}
    # Up to date: nothing to replay.
    await socket.send_json_to({"type": "resume", "seq": seen + 3})
    assert await socket.receive_json_from(timeout=5) == {"type": "resumed", "seq": seen + 3}
    await socket.disconnect()


async def test_resume_from_nothing_or_too_far_back_sends_a_snapshot() -> None:
    room = await room_in_session()
    socket, hello = await joined(room.meeting.pk, room.member.user)
    await socket.send_json_to({"type": "resume", "seq": None})
    snapshot = await socket.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    assert snapshot["seq"] == hello["seq"]
    state = snapshot["state"]
    assert state["current_item"] == room.public_item.pk
    assert state["meeting"]["status"] == "in_session"
    assert state["me"]["participant"] == room.member.pk
    assert room.restricted_item.pk not in [i["id"] for i in state["items"]]

    @sync_to_async
    def many_changes() -> None:
        from django.db import transaction

        with transaction.atomic():
            for n in range(events.REPLAY_LIMIT + 1):
                record_event(
                    meeting=room.meeting,
                    type="test.tick",  # type: ignore[arg-type]  # made up: only the count matters
                    payload={"n": n},
                    actor=None,
                    scope="",
                )

    await many_changes()
    # The live events arrive too; what matters is the answer to the resume.
    await socket.send_json_to({"type": "resume", "seq": hello["seq"]})
    snapshot = await receive_until(socket, "snapshot")
    assert snapshot["seq"] == hello["seq"] + events.REPLAY_LIMIT + 1
    await socket.disconnect()


async def test_a_retried_command_gets_the_same_ack_over_the_socket() -> None:
    room = await room_in_session()
    member, _ = await joined(room.meeting.pk, room.member.user)
    chair, _ = await joined(room.meeting.pk, room.chair.user)
    request = command("tablet-a1b2c3", "speaker.request", position="against", note="Còn ý kiến")
    await member.send_json_to(request)
    first = await receive_until(member, "ack")
    assert first["ok"]
    assert first["id"] == "tablet-a1b2c3"
    heard = await receive_until(chair, "event")
    assert heard["event"] == "speaker.requested"
    assert heard["data"]["request"]["position"] == "against"
    assert heard["seq"] == first["seq"]
    # The tablet lost the ack and retries with the same id (perhaps over a new socket).
    retry_socket, _ = await joined(room.meeting.pk, room.member.user)
    await retry_socket.send_json_to(request)
    again = await receive_until(retry_socket, "ack")
    assert again == first
    assert await sync_to_async(SpeakerRequest.objects.count)() == 1
    assert await chair.receive_nothing(timeout=0.3)  # no second event
    for socket in (member, chair, retry_socket):
        await socket.disconnect()


async def test_a_member_cannot_reorder_the_queue_but_the_chair_can() -> None:
    room = await room_in_session()
    chair, _ = await joined(room.meeting.pk, room.chair.user)
    member, _ = await joined(room.meeting.pk, room.member.user)
    other, _ = await joined(room.meeting.pk, room.listed_member.user)
    await member.send_json_to(command("member-req-1", "speaker.request", position="for"))
    mine = (await receive_until(member, "ack"))["result"]["request"]
    await other.send_json_to(command("other-req-01", "speaker.request", position="other"))
    theirs = (await receive_until(other, "ack"))["result"]["request"]

    order = [theirs, mine]
    item = room.public_item.pk
    await member.send_json_to(command("member-sort-1", "speaker.reorder", item=item, order=order))
    refused = await receive_until(member, "ack")
    assert refused["ok"] is False
    assert "chủ trì" in refused["message"]

    await chair.send_json_to(command("chair-sort-01", "speaker.reorder", item=item, order=order))
    assert (await receive_until(chair, "ack"))["ok"]
    reordered = await receive_until(member, "event")
    while reordered["event"] != "speaker.reordered":
        reordered = await receive_until(member, "event")
    assert reordered["data"] == {"item": item, "order": order}

    await chair.send_json_to(command("chair-floor-1", "speaker.give_floor", request=theirs))
    assert (await receive_until(chair, "ack"))["ok"]
    floor = await receive_until(other, "event")
    while floor["event"] != "speaker.floor":
        floor = await receive_until(other, "event")
    assert floor["data"]["request"]["participant"] == room.listed_member.pk
    assert floor["data"]["request"]["status"] == "speaking"
    for socket in (chair, member, other):
        await socket.disconnect()


async def test_the_chair_moves_the_item_and_every_tablet_follows() -> None:
    room = await room_in_session()
    tablets = [
        (await joined(room.meeting.pk, user))[0]
        for user in (room.member.user, room.listed_member.user, room.observer.user)
    ]
    chair, _ = await joined(room.meeting.pk, room.chair.user)
    await chair.send_json_to(command("chair-move-01", "item.move", item=room.guest_item.pk))
    ack = await receive_until(chair, "ack")
    assert ack["ok"]
    for tablet in tablets:
        event = await receive_until(tablet, "event")
        assert (event["event"], event["seq"]) == ("item.current", ack["seq"])
        assert event["data"]["item"] == room.guest_item.pk
        await tablet.disconnect()
    await chair.disconnect()


async def test_checking_in_updates_the_quorum_on_every_tablet() -> None:
    room = await room_in_session()
    chair, _ = await joined(room.meeting.pk, room.chair.user)
    member, _ = await joined(room.meeting.pk, room.member.user)
    await member.send_json_to(command("checkin-0001", "attendance.check_in", mode="online"))
    assert (await receive_until(member, "ack"))["result"] == {"status": "online"}
    event = await receive_until(chair, "event")
    assert event["event"] == "attendance.changed"
    assert event["data"]["participant"] == room.member.pk
    assert event["data"]["status"] == "online"
    # Chair and two members vote in the Room: one of three is present.
    assert event["data"]["quorum"] == {"present": 1, "total": 3, "required": 2, "reached": False}
    await member.disconnect()
    await chair.disconnect()


async def test_removal_from_the_meeting_closes_the_socket_and_refuses_reconnection() -> None:
    room = await room_in_session()
    # Removal is only possible before the session; use a published meeting.
    fresh = await sync_to_async(Room)()
    socket, _ = await joined(fresh.meeting.pk, fresh.member.user)
    elsewhere, _ = await joined(room.meeting.pk, room.member.user)

    await sync_to_async(meeting_services.remove_participant)(
        actor=fresh.secretary, participant=fresh.member
    )
    removed = await socket.receive_json_from(timeout=5)
    assert removed["event"] == "participant.removed"
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    again = await communicator(fresh.meeting.pk, fresh.member.user)
    assert (await again.connect())[0] is False
    # Removal from one meeting leaves the user's other meetings alone.
    await elsewhere.send_json_to({"type": "ping"})
    assert await elsewhere.receive_json_from(timeout=5) == {"type": "pong"}
    await elsewhere.disconnect()


async def test_an_event_committed_during_a_replay_is_held_and_sent_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from realtime import consumers

    room = await room_in_session()
    socket, hello = await joined(room.meeting.pk, room.member.user)
    start = hello["seq"]
    original = consumers._catch_up

    async def catch_up_while_the_chair_acts(*args: Any, **kwargs: Any) -> dict[str, Any]:
        replay = await original(*args, **kwargs)
        # The chair's change commits (and is broadcast) after the replay was read, before it
        # has been sent.
        await sync_to_async(room_services.adjust_clock)(
            actor=room.chair.user, meeting=room.meeting, minutes=1
        )
        return replay

    monkeypatch.setattr(consumers, "_catch_up", catch_up_while_the_chair_acts)
    await socket.send_json_to({"type": "resume", "seq": start - 2})
    received = [await socket.receive_json_from(timeout=5) for _ in range(4)]
    assert [(m["type"], m["seq"]) for m in received] == [
        ("event", start - 1),
        ("event", start),
        ("resumed", start),
        ("event", start + 1),
    ]
    assert received[3]["event"] == "timer.changed"
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_refusals_come_in_the_officials_chosen_language() -> None:
    room = await room_in_session()
    socket = await communicator(room.meeting.pk, room.member.user, language="en")
    assert (await socket.connect())[0]
    await socket.receive_json_from(timeout=5)
    await socket.send_json_to(command("english-0001", "item.move", item=room.public_item.pk))
    refused = await receive_until(socket, "ack")
    assert refused["message"] == "Only the chair or a secretary can run the meeting."
    await socket.disconnect()


async def test_access_taken_away_during_the_handshake_refuses_the_socket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from realtime import broadcast, consumers

    room = await room_in_session()
    original = consumers._admit
    original_deliver = consumers.MeetingConsumer.deliver
    delivered = asyncio.Event()

    async def deliver(
        self: consumers.MeetingConsumer, message: dict[str, Any], text: str | None
    ) -> None:
        await original_deliver(self, message, text)
        if message.get("type") == "user.disconnect":
            delivered.set()

    async def admit_while_the_account_is_deactivated(*args: Any) -> Admission | None:
        seq = await original(*args)
        # The deactivation's message arrives after the check passed, before the accept. Through
        # Redis it takes a moment to come back to this process: wait until the hub has handed it
        # to the consumer (otherwise the test races the layer, not the consumer).
        await sync_to_async(broadcast.send_now)(
            broadcast.user_group(room.member.user_id), {"type": "user.disconnect"}
        )
        await asyncio.wait_for(delivered.wait(), timeout=10)
        return seq

    monkeypatch.setattr(consumers.MeetingConsumer, "deliver", deliver)
    monkeypatch.setattr(consumers, "_admit", admit_while_the_account_is_deactivated)
    socket = await communicator(room.meeting.pk, room.member.user)
    connected, code = await socket.connect()
    assert (connected, code) == (False, events.Close.FORBIDDEN)
