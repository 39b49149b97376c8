"""Sockets follow the session's life: an ended session opens none and an open one closes when its
session ends, is revoked (signed out everywhere, devices wiped, deactivated) or grows too old."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import Meeting, User
from cabinet.trust import accounts, sessions
from tests.factories import add_item, invite, make_meeting, make_user, secretary_of
from tests.realtime.sockets import communicator, new_session

if TYPE_CHECKING:
    # What the test client returns (its extra attributes); the stubs' name, not importable.
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

CLOSED = {"type": "websocket.close", "code": 4401}


@sync_to_async
def meeting_and_member() -> tuple[Meeting, User]:
    meeting = make_meeting()
    invite(meeting, "chair")
    member = invite(meeting, "member").user
    add_item(meeting)
    meeting_services.publish_meeting(actor=secretary_of(meeting), meeting=meeting)
    return meeting, member


@sync_to_async
def session_with_clock(user: User, *, started_ago: float = 0, seen_ago: float = 0) -> str:
    key = new_session(user)
    store = SessionStore(key)
    now = time.time()
    store[sessions.STARTED_KEY] = now - started_ago
    store[sessions.SEEN_KEY] = now - seen_ago
    store.save()
    return key


async def open_socket(meeting_id: int, key: str) -> WebsocketCommunicator:
    socket = await communicator(meeting_id, session_key=key)
    connected, code = await socket.connect()
    assert connected, code
    hello = await socket.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return socket


async def test_an_idle_session_opens_no_socket_and_says_signed_out() -> None:
    meeting, member = await meeting_and_member()
    key = await session_with_clock(member, started_ago=3600, seen_ago=31 * 60)
    socket = await communicator(meeting.pk, session_key=key)
    connected, _ = await socket.connect()
    assert connected  # accepted only to be told why, so the page stops retrying
    assert await socket.receive_output(timeout=5) == CLOSED


async def test_a_revoked_session_opens_no_socket() -> None:
    meeting, member = await meeting_and_member()
    key = await session_with_clock(member)
    await sync_to_async(accounts.sign_out_everywhere)(actor=member)
    socket = await communicator(meeting.pk, session_key=key)
    await socket.connect()
    assert await socket.receive_output(timeout=5) == CLOSED


async def test_an_open_socket_closes_when_the_absolute_lifetime_ends() -> None:
    meeting, member = await meeting_and_member()
    lifetime = settings.SESSION_MAX_HOURS * 3600
    key = await session_with_clock(member, started_ago=lifetime - 1.5)
    socket = await open_socket(meeting.pk, key)
    started = time.monotonic()
    assert await socket.receive_output(timeout=5) == CLOSED
    assert 0.5 < time.monotonic() - started < 4


async def test_the_live_connection_keeps_the_session_in_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    meeting, member = await meeting_and_member()
    key = await session_with_clock(member, started_ago=3600, seen_ago=25 * 60)
    socket = await open_socket(meeting.pk, key)  # the connect touches it
    seen = await sync_to_async(lambda: SessionStore(key)[sessions.SEEN_KEY])()
    assert time.time() - seen < 5
    monkeypatch.setattr(sessions, "TOUCH_EVERY_SECONDS", 0)
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    later = await sync_to_async(lambda: SessionStore(key)[sessions.SEEN_KEY])()
    assert later >= seen
    await socket.disconnect()


async def test_an_open_socket_closes_when_its_session_ended_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Checked with each touch: here the session idled out on another page's request."""
    meeting, member = await meeting_and_member()
    key = await session_with_clock(member)
    socket = await open_socket(meeting.pk, key)

    @sync_to_async
    def idle_out() -> None:
        store = SessionStore(key)
        store[sessions.SEEN_KEY] = time.time() - 31 * 60
        store.save()

    await idle_out()
    monkeypatch.setattr(sessions, "TOUCH_EVERY_SECONDS", 0)
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_output(timeout=5) == CLOSED


async def closes_within(sockets: list[WebsocketCommunicator], seconds: float) -> list[float]:
    """Each socket's close (4401), timed from now."""
    started = time.monotonic()
    taken: list[float] = []
    for socket in sockets:
        assert await socket.receive_output(timeout=seconds) == CLOSED
        taken.append(time.monotonic() - started)
    assert max(taken) <= seconds
    return taken


async def test_signing_out_everywhere_closes_every_socket_of_the_user_within_5_s() -> None:
    meeting, member = await meeting_and_member()
    tablet = await open_socket(meeting.pk, await session_with_clock(member))
    laptop = await open_socket(meeting.pk, await session_with_clock(member))

    @sync_to_async
    def sign_out_everywhere_on_a_third_device() -> None:
        client = Client()
        client.force_login(member)
        assert client.post("/account/sign-out-everywhere/").status_code == 302

    await sign_out_everywhere_on_a_third_device()
    await closes_within([tablet, laptop], 5)


@pytest.mark.parametrize("action", ["wipe_devices", "deactivate_users"])
async def test_an_administrators_wipe_or_deactivation_closes_the_users_sockets_within_5_s(
    action: str,
) -> None:
    meeting, member = await meeting_and_member()
    key = await session_with_clock(member)
    tablet = await open_socket(meeting.pk, key)
    other = await open_socket(meeting.pk, await session_with_clock(member))

    @sync_to_async
    def administrator_acts() -> None:
        admin = make_user(is_staff=True)
        for codename in ("manage_devices", "change_user", "view_user"):
            admin.user_permissions.add(Permission.objects.get(codename=codename))
        client = Client()
        client.force_login(admin)
        client.post("/admin/cabinet/user/", {"action": action, "_selected_action": [member.pk]})

    await administrator_acts()
    await closes_within([tablet, other], 5)

    @sync_to_async
    def next_request_of_the_tablet() -> TestResponse:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        return client.get("/")

    response = await next_request_of_the_tablet()
    assert response.status_code == 302
    assert response[sessions.PURGE_HEADER] == "1"
