"""The meeting socket through the real ASGI application: who may connect, and committed events.

With REDIS_URL set (the PostgreSQL + Redis pass of the test command) the channel layer is
channels_redis on 127.0.0.1:6379, so the broadcast below crosses the real Redis.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from pytest_django.fixtures import Settings

from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import Meeting, User
from tests.factories import add_item, invite, make_meeting, make_user, secretary_of
from tests.realtime.sockets import communicator, new_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def published_meeting() -> tuple[Meeting, User, User, User]:
    meeting = make_meeting()
    chair = invite(meeting, "chair").user
    member = invite(meeting, "member").user
    add_item(meeting)
    meeting_services.publish_meeting(actor=secretary_of(meeting), meeting=meeting)
    meeting.refresh_from_db()
    return meeting, chair, member, make_user()


async def test_a_participant_connects_and_hears_committed_changes() -> None:
    meeting, chair, member, _ = await published_meeting()
    socket = await communicator(meeting.pk, member)
    connected, _ = await socket.connect()
    assert connected
    hello = await socket.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    assert hello["seq"] == meeting.last_seq
    await sync_to_async(meeting_services.start_meeting)(actor=chair, meeting=meeting)
    event = await socket.receive_json_from(timeout=5)
    assert event["type"] == "event"
    assert event["event"] == "meeting.started"
    assert event["seq"] == meeting.last_seq + 1
    assert event["data"]["status"] == "in_session"
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    await socket.disconnect()


async def test_a_non_participant_is_refused_before_accept() -> None:
    meeting, _, _, outsider = await published_meeting()
    socket = await communicator(meeting.pk, outsider)
    connected, code = await socket.connect()
    assert not connected
    assert code == 4403


async def test_an_anonymous_visitor_is_refused() -> None:
    meeting, *_ = await published_meeting()
    connected, _ = await (await communicator(meeting.pk)).connect()
    assert not connected


async def test_a_foreign_origin_is_refused_even_with_a_valid_session() -> None:
    meeting, _, member, _ = await published_meeting()
    socket = await communicator(meeting.pk, member, origin=b"https://evil.example.com")
    connected, _ = await socket.connect()
    assert not connected


async def test_an_unknown_meeting_looks_the_same_as_a_forbidden_one() -> None:
    _, _, member, _ = await published_meeting()
    connected, code = await (await communicator(987654, member)).connect()
    assert (connected, code) == (False, 4403)


async def test_oversized_and_malformed_messages_get_an_error_not_a_crash() -> None:
    meeting, _, member, _ = await published_meeting()
    socket = await communicator(meeting.pk, member)
    await socket.connect()
    await socket.receive_json_from(timeout=5)
    await socket.send_to(text_data="x" * 10_000)
    assert (await socket.receive_json_from(timeout=5))["code"] == "too_large"
    await socket.send_to(text_data="{not json")
    assert (await socket.receive_json_from(timeout=5))["code"] == "bad_json"
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    await socket.disconnect()


async def test_the_channel_layer_in_use_matches_the_environment() -> None:
    layer = get_channel_layer()
    expected = "RedisChannelLayer" if settings.REDIS_URL else "InMemoryChannelLayer"
    assert type(layer).__name__ == expected


async def test_signing_out_closes_that_sessions_sockets_and_not_the_other_devices() -> None:
    meeting, _, member, _ = await published_meeting()
    tablet_key = await sync_to_async(new_session)(member)
    tablet = await communicator(meeting.pk, session_key=tablet_key)
    assert (await tablet.connect())[0]
    await tablet.receive_json_from(timeout=5)
    laptop = await communicator(meeting.pk, member)
    assert (await laptop.connect())[0]
    await laptop.receive_json_from(timeout=5)

    @sync_to_async
    def sign_out_on_the_tablet() -> None:
        from django.test import Client

        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = tablet_key
        assert client.post("/logout/").status_code == 302

    await sign_out_on_the_tablet()
    assert await tablet.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    await laptop.send_json_to({"type": "ping"})
    assert await laptop.receive_json_from(timeout=5) == {"type": "pong"}
    await laptop.disconnect()


async def test_deactivating_an_account_closes_all_its_sockets() -> None:
    meeting, _, member, _ = await published_meeting()
    sockets = []
    for _ in range(2):
        socket = await communicator(meeting.pk, member)
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=5)
        sockets.append(socket)

    @sync_to_async
    def deactivate() -> None:
        member.is_active = False
        member.save()

    await deactivate()
    for socket in sockets:
        assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
        await socket.disconnect()  # what the server would hear as the tablet goes


async def test_events_recorded_by_another_process_reach_the_sockets(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The task worker is another process: with the in-memory layer its broadcast goes nowhere,
    and Daphne's relay reads the event from the log and delivers it."""
    from realtime import broadcast, relay

    if settings.REDIS_URL:
        pytest.skip("with Redis the worker's broadcast reaches every process; no relay runs")
    settings.EVENT_RELAY_INTERVAL = 0.1
    meeting, chair, member, _ = await published_meeting()
    socket = await communicator(meeting.pk, member)
    connected, _ = await socket.connect()
    assert connected
    await socket.receive_json_from(timeout=5)  # hello
    monkeypatch.setattr(broadcast, "send_now", lambda group, message: None)  # "another process"
    try:
        await sync_to_async(meeting_services.start_meeting)(actor=chair, meeting=meeting)
        event = await socket.receive_json_from(timeout=5)
        assert (event["event"], event["seq"]) == ("meeting.started", meeting.last_seq + 1)
        assert await socket.receive_nothing(timeout=0.5)  # delivered once, not repeated
    finally:
        await socket.disconnect()
        if relay._task is not None:
            relay._task.cancel()
