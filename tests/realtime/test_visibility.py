"""Restricted means restricted on the live channel (issue 17, finding 1): a guest invited to
another item, the observer and a member outside a restricted item's audience receive no byte of
that item over the socket (its title, its paper's title, its polls' questions, voters and results,
its speakers' notes), live, on replay or in the snapshot; their sequence still has no gap; the
members in its audience receive everything; and a change of the audience reaches open sockets at
once.

Through the real `realtime.asgi:application`, as the tablets use it; every frame is decoded and
searched, since the wire escapes Vietnamese letters (\\uXXXX).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.base import SessionBase
from pytest_django.fixtures import Settings

from cabinet.live.selectors import Admission
from cabinet.live.services import attendance as attendance_services
from cabinet.live.services import room as room_services
from cabinet.live.services import speakers as speaker_services
from cabinet.meetings.services import agenda as agenda_services
from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import Participant, User
from cabinet.voting import services as voting_services
from realtime import events
from tests.factories import Room, secretary_of
from tests.realtime.sockets import joined, receive_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

QUESTION = "Thông qua phương án điều động đồng chí Lê Văn Khuê"
NOTE = "Đề nghị làm rõ kết luận thanh tra về bà Trúc"
OUTSIDERS = ("guest", "observer", "member")


def secrets_of(room: Room) -> list[str]:
    return [QUESTION, NOTE, room.restricted_item.title, room.restricted_paper.title]


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


async def frames_until(
    socket: WebsocketCommunicator, seq: int, timeout: float = 10
) -> list[dict[str, Any]]:
    """Every message up to and including the one numbered `seq` (an event or a skip)."""
    frames: list[dict[str, Any]] = []
    while True:
        message = await socket.receive_json_from(timeout=timeout)
        frames.append(message)
        if message.get("seq") == seq and message["type"] in ("event", "skip"):
            return frames


async def more_frames(socket: WebsocketCommunicator, seconds: float) -> list[dict[str, Any]]:
    """What else arrives until `seconds` pass without a message."""
    frames: list[dict[str, Any]] = []
    while not await socket.receive_nothing(timeout=seconds):
        frames.append(await socket.receive_json_from(timeout=1))
    return frames


def assert_sees_none_of(frames: list[dict[str, Any]], secrets: list[str], who: str) -> None:
    for frame in frames:
        for secret in secrets:
            assert secret not in text_of(frame), (who, secret, frame)


def assert_no_gap(frames: list[dict[str, Any]], first: int, last: int, who: str) -> None:
    numbered = [f["seq"] for f in frames if f["type"] in ("event", "skip")]
    assert numbered == list(range(first, last + 1)), (who, numbered)


@sync_to_async
def room_in_session() -> Room:
    room = Room()
    meeting_services.start_meeting(actor=room.chair.user, meeting=room.meeting)
    for person in (room.chair, room.member, room.listed_member):
        attendance_services.check_in(actor=person.user, meeting=room.meeting, mode="present")
    room.meeting.refresh_from_db()
    return room


@sync_to_async
def restricted_business(room: Room) -> int:
    """What happens on the restricted item: a named poll from creation to publication, a speech
    with a note, the restricted paper presented and put away. Ends with a move to the public
    item; returns that event's seq."""
    chair, meeting = room.chair.user, room.meeting
    poll = voting_services.create_poll(
        actor=chair, meeting=meeting, question=QUESTION, item_id=room.restricted_item.pk
    )
    voting_services.open_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    option = poll.options.order_by("position").first()
    assert option is not None
    voting_services.cast_vote(
        actor=room.listed_member.user,
        poll_id=poll.pk,
        option_id=option.pk,
        client_id="ballot-restricted-1",
    )
    voting_services.close_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    voting_services.publish_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    request = speaker_services.request_floor(
        actor=room.listed_member.user,
        meeting=meeting,
        item_id=room.restricted_item.pk,
        position="against",
        note=NOTE,
    )
    speaker_services.give_floor(actor=chair, meeting=meeting, request_id=request.pk)
    version = room.restricted_paper.versions.get()
    room_services.start_presenting(
        actor=chair, meeting=meeting, paper_id=room.restricted_paper.pk, version=1, page=1
    )
    assert version.page_count == 1
    room_services.stop_presenting(actor=chair, meeting=meeting)
    room_services.move_to_item(actor=chair, meeting=meeting, item_id=room.public_item.pk)
    meeting.refresh_from_db()
    return meeting.last_seq


async def test_outsiders_receive_no_byte_of_a_restricted_item_live_and_no_gap() -> None:
    room = await room_in_session()
    sockets = {role: await joined(room.meeting.pk, room.user(role)) for role in OUTSIDERS}
    insider, hello = await joined(room.meeting.pk, room.listed_member.user)
    last = await restricted_business(room)
    first = hello["seq"] + 1
    secrets = secrets_of(room)

    for role, (socket, _hello) in sockets.items():
        frames = await frames_until(socket, last)
        frames += await more_frames(socket, 1.5)  # the throttled ballot count, had it come
        assert_sees_none_of(frames, secrets, role)
        assert_no_gap(frames, first, last, role)
        names = {f.get("event") for f in frames if f["type"] == "event"}
        assert not {n for n in names if n and n.startswith(("poll.", "speaker."))}, (role, names)
        assert not [f for f in frames if f["type"] == "progress"], role
        # The presenter turned to a paper they may not read: they hear only that nobody presents.
        presenting = [f["data"] for f in frames if f.get("event") == "presenter.changed"]
        assert presenting, role
        assert all(d == {"presenter": None} for d in presenting), (role, presenting)
        await socket.disconnect()

    # The member in the item's audience gets all of it.
    frames = await frames_until(insider, last)
    text = "\n".join(text_of(f) for f in frames)
    for secret in (QUESTION, NOTE, room.restricted_paper.title):  # events name no item title
        assert secret in text, secret
    assert_no_gap(frames, first, last, "listed member")
    assert not [f for f in frames if f["type"] == "skip"]
    await insider.disconnect()


async def test_the_replay_is_filtered_like_the_live_events() -> None:
    room = await room_in_session()
    before = room.meeting.last_seq
    last = await restricted_business(room)
    secrets = secrets_of(room)
    for role in OUTSIDERS:
        socket, _hello = await joined(room.meeting.pk, room.user(role))
        await socket.send_json_to({"type": "resume", "seq": before})
        frames = [await socket.receive_json_from(timeout=5) for _ in range(last - before + 1)]
        assert frames[-1] == {"type": "resumed", "seq": last}, role
        assert_sees_none_of(frames, secrets, role)
        assert_no_gap(frames[:-1], before + 1, last, role)
        await socket.disconnect()
    socket, _hello = await joined(room.meeting.pk, room.listed_member.user)
    await socket.send_json_to({"type": "resume", "seq": before})
    replay = "\n".join([text_of(await socket.receive_json_from(timeout=5)) for _ in range(5)])
    assert QUESTION in replay
    await socket.disconnect()


async def test_the_snapshot_names_no_restricted_paper_being_presented() -> None:
    room = await room_in_session()

    @sync_to_async
    def present_restricted_paper() -> None:
        room_services.start_presenting(
            actor=room.chair.user,
            meeting=room.meeting,
            paper_id=room.restricted_paper.pk,
            version=1,
            page=1,
        )

    await present_restricted_paper()
    for role in OUTSIDERS:
        socket, _hello = await joined(room.meeting.pk, room.user(role))
        await socket.send_json_to({"type": "resume", "seq": None})
        snapshot = await receive_until(socket, "snapshot")
        assert snapshot["state"]["presenter"] is None, role
        assert_sees_none_of([snapshot], secrets_of(room), role)
        await socket.disconnect()
    socket, _hello = await joined(room.meeting.pk, room.listed_member.user)
    await socket.send_json_to({"type": "resume", "seq": None})
    snapshot = await receive_until(socket, "snapshot")
    assert snapshot["state"]["presenter"]["title"] == room.restricted_paper.title
    await socket.disconnect()


async def test_a_change_of_audience_reaches_open_sockets_at_once() -> None:
    room = await sync_to_async(Room)()  # published: the agenda may still change
    member, _hello = await joined(room.meeting.pk, room.member.user)
    guest, _hello = await joined(room.meeting.pk, room.guest.user)
    item = room.restricted_item

    @sync_to_async
    def set_audience(people: list[Participant]) -> int:
        agenda_services.update_agenda_item(
            actor=secretary_of(room.meeting),
            item=item,
            title=item.title,
            restricted=True,
            audience=people,
        )
        room.meeting.refresh_from_db()
        return room.meeting.last_seq

    # The member is added to the audience: their tablet gets the room with the item in it.
    seq = await set_audience([room.listed_member, room.member])
    snapshot = await receive_until(member, "snapshot")
    assert snapshot["seq"] >= seq
    assert item.pk in [i["id"] for i in snapshot["state"]["items"]]
    # The guest's view did not change: the change is a number to them, and no snapshot.
    frames = await more_frames(guest, 1)
    assert [f["type"] for f in frames] == ["skip"]
    # Taken off again: the item leaves their tablet at once.
    await set_audience([room.listed_member])
    snapshot = await receive_until(member, "snapshot")
    assert item.pk not in [i["id"] for i in snapshot["state"]["items"]]
    assert_sees_none_of([snapshot], [item.title, room.restricted_paper.title], "member")
    await member.disconnect()
    await guest.disconnect()


async def test_a_session_may_open_only_so_many_sockets() -> None:
    from realtime import events
    from tests.realtime.sockets import communicator, new_session

    room = await room_in_session()
    key = await sync_to_async(new_session)(room.member.user)
    open_ = [
        (await joined(room.meeting.pk, None, session_key=key))[0]
        for _ in range(events.SOCKETS_PER_SESSION)
    ]
    extra = await communicator(room.meeting.pk, session_key=key)
    connected, _code = await extra.connect()
    assert connected
    closed = await extra.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": events.Close.TOO_MANY}
    # Another session of the same official (another device) is not affected; closing one frees
    # a place for this one.
    other, _hello = await joined(room.meeting.pk, room.member.user)
    await open_.pop().disconnect()
    again, _hello = await joined(room.meeting.pk, None, session_key=key)
    for socket in [*open_, other, again]:
        await socket.disconnect()


async def test_events_relayed_from_another_process_keep_their_scope(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the in-memory layer, what the task worker records reaches Daphne through the relay,
    which reads the log: the scope travels with it (a paper processed there is on some item)."""
    from realtime import broadcast, relay

    if settings.REDIS_URL:
        pytest.skip("with Redis every process shares the layer; no relay runs")
    settings.EVENT_RELAY_INTERVAL = 0.1
    room = await room_in_session()
    outsider, _hello = await joined(room.meeting.pk, room.member.user)
    insider, _hello = await joined(room.meeting.pk, room.listed_member.user)
    monkeypatch.setattr(broadcast, "send_now", lambda group, message: None)  # "another process"
    try:
        await sync_to_async(speaker_services.request_floor)(
            actor=room.listed_member.user,
            meeting=room.meeting,
            item_id=room.restricted_item.pk,
            position="for",
            note=NOTE,
        )
        skipped = await outsider.receive_json_from(timeout=5)
        assert skipped["type"] == "skip"
        assert_sees_none_of([skipped], [NOTE], "member")
        heard = await insider.receive_json_from(timeout=5)
        assert heard["event"] == "speaker.requested"
        assert heard["data"]["request"]["note"] == NOTE
    finally:
        await outsider.disconnect()
        await insider.disconnect()
        if relay._task is not None:
            relay._task.cancel()


@sync_to_async
def take_off_the_audience_and_poll(room: Room, question: str) -> None:
    """The secretary takes the listed member off the restricted item, then prepares a poll on it."""
    item = room.restricted_item
    agenda_services.update_agenda_item(
        actor=secretary_of(room.meeting),
        item=item,
        title=item.title,
        restricted=True,
        audience=[room.member],
    )
    voting_services.create_poll(
        actor=secretary_of(room.meeting), meeting=room.meeting, item_id=item.pk, question=question
    )


async def test_an_audience_change_heard_during_the_handshake_is_not_missed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Committed after the admission read the socket's scopes, heard before the hello: the scopes
    are read again before what was held goes out (found by review: the old scopes were kept)."""
    from realtime import consumers

    room = await sync_to_async(Room)()
    original = consumers._admit

    async def admit_then_change(
        user: User, session: SessionBase, meeting_id: int
    ) -> Admission | None:
        admission = await original(user, session, meeting_id)
        if user.pk == room.listed_member.user.pk:
            await take_off_the_audience_and_poll(room, QUESTION)
        return admission

    monkeypatch.setattr(consumers, "_admit", admit_then_change)
    socket, _hello = await joined(room.meeting.pk, room.listed_member.user)
    frames = await more_frames(socket, 1.5)
    assert_sees_none_of(frames, [QUESTION], "listed member, taken off")
    snapshot = [f for f in frames if f["type"] == "snapshot"]
    assert snapshot
    assert room.restricted_item.pk not in [i["id"] for i in snapshot[0]["state"]["items"]]
    await socket.disconnect()


async def test_a_scope_refresh_that_fails_closes_the_socket_and_sends_nothing_held(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database locked or away while a socket reads its scopes again: what it held is not
    sent by the old scopes; it is closed as a server error and the tablet resumes afresh."""
    from django.db import OperationalError

    from realtime import consumers

    room = await sync_to_async(Room)()
    socket, _hello = await joined(room.meeting.pk, room.listed_member.user)

    async def locked(user: User, meeting_id: int) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(consumers, "_scopes_now", locked)
    await take_off_the_audience_and_poll(room, QUESTION)
    frames: list[dict[str, Any]] = []
    while True:
        output = await socket.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            assert output["code"] == events.Close.SERVER_ERROR
            # Exactly an int: Daphne's autobahn refuses an IntEnum and leaves the socket open.
            assert type(output["code"]) is int
            break
        frames.append(json.loads(output["text"]))
    assert_sees_none_of(frames, [QUESTION], "listed member, taken off")


async def test_a_speech_ended_by_the_floor_on_a_hidden_item_is_announced_ended() -> None:
    """The floor goes from a speech on the public item to one on the restricted item: tablets
    that do not see the restricted item still hear that the public speech ended."""
    room = await room_in_session()

    @sync_to_async
    def speeches() -> tuple[int, int]:
        chair, meeting = room.chair.user, room.meeting
        public = speaker_services.request_floor(
            actor=room.member.user, meeting=meeting, item_id=room.public_item.pk, position="for"
        )
        speaker_services.give_floor(actor=chair, meeting=meeting, request_id=public.pk)
        hidden = speaker_services.request_floor(
            actor=room.listed_member.user,
            meeting=meeting,
            item_id=room.restricted_item.pk,
            position="for",
            note=NOTE,
        )
        meeting.refresh_from_db()
        before = meeting.last_seq
        speaker_services.give_floor(actor=chair, meeting=meeting, request_id=hidden.pk)
        return public.pk, before

    observer, _hello = await joined(room.meeting.pk, room.observer.user)
    public_id, before = await speeches()
    frames = await more_frames(observer, 1)
    after = [f for f in frames if f.get("seq", 0) > before]
    ended = [f for f in after if f.get("event") == "speaker.ended"]
    assert ended
    assert ended[0]["data"]["request"] == public_id
    assert_sees_none_of(frames, [NOTE], "observer")
    await observer.disconnect()
