"""The meeting socket's Origin check: scheme, host and port are compared with the site's own
origins, through the real ASGI application and through a real Daphne on a real socket."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import websockets
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from pytest_django.fixtures import Settings

from cabinet.meetings.services import meetings as meeting_services
from realtime.asgi import application
from tests.factories import add_item, invite, make_meeting, secretary_of
from tests.realtime.daphne import free_port, start_daphne, stop, wait_for
from tests.realtime.sockets import new_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def member_of_a_published_meeting() -> tuple[int, str]:
    meeting = make_meeting()
    invite(meeting, "chair")
    member = invite(meeting, "member").user
    add_item(meeting)
    meeting_services.publish_meeting(actor=secretary_of(meeting), meeting=meeting)
    return meeting.pk, new_session(member)


async def handshake(
    meeting_id: int, session_key: str, *headers: tuple[bytes, bytes], scheme: str = "ws"
) -> bool:
    """Whether the socket opens with these headers (and the member's session cookie)."""
    cookie = (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode())
    socket = WebsocketCommunicator(
        application, f"/ws/meetings/{meeting_id}/", headers=[*headers, cookie]
    )
    socket.scope["scheme"] = scheme
    connected, _ = await socket.connect()
    if connected:
        await socket.disconnect()
    return connected


HOST = (b"host", b"127.0.0.1:8000")


@pytest.mark.parametrize(
    "origin",
    [
        b"http://127.0.0.1:9999",  # another program on the same machine: the port differs
        b"http://127.0.0.1",  # port 80
        b"https://127.0.0.1:8000",  # the scheme differs
        b"http://localhost:8000",  # another host, although in ALLOWED_HOSTS
        b"http://127.0.0.1:8000.evil.example.com",
        b"http://evil.example.com:8000",
        b"null",
        b"http://127.0.0.1:8000/path",
        b"",
    ],
)
async def test_an_origin_other_than_the_sites_own_is_refused(origin: bytes) -> None:
    meeting_id, key = await member_of_a_published_meeting()
    assert not await handshake(meeting_id, key, HOST, (b"origin", origin))


async def test_the_sites_own_origin_is_accepted_and_a_missing_or_double_one_is_not() -> None:
    meeting_id, key = await member_of_a_published_meeting()
    assert await handshake(meeting_id, key, HOST, (b"origin", b"http://127.0.0.1:8000"))
    assert await handshake(meeting_id, key, HOST, (b"origin", b"HTTP://127.0.0.1:8000"))
    assert not await handshake(meeting_id, key, HOST)
    twice = (b"origin", b"http://127.0.0.1:8000")
    assert not await handshake(meeting_id, key, HOST, twice, (b"origin", b"http://x.example"))
    # Default ports are the same origin written either way.
    default = (b"host", b"localhost")
    assert await handshake(meeting_id, key, default, (b"origin", b"http://localhost:80"))
    assert not await handshake(meeting_id, key, default, (b"origin", b"http://localhost:8000"))


async def test_a_host_outside_allowed_hosts_has_no_own_origin(settings: Settings) -> None:
    settings.ALLOWED_HOSTS = ["hop.ubnd.example.vn"]
    meeting_id, key = await member_of_a_published_meeting()
    rebound = (b"host", b"attacker.example:8000")  # DNS rebinding: Host and Origin agree
    assert not await handshake(
        meeting_id, key, rebound, (b"origin", b"http://attacker.example:8000")
    )
    own = (b"host", b"hop.ubnd.example.vn")
    assert await handshake(meeting_id, key, own, (b"origin", b"http://hop.ubnd.example.vn"))


async def test_over_tls_the_origin_is_https_on_its_port() -> None:
    meeting_id, key = await member_of_a_published_meeting()
    host = (b"host", b"localhost:8443")
    assert await handshake(
        meeting_id, key, host, (b"origin", b"https://localhost:8443"), scheme="wss"
    )
    assert not await handshake(
        meeting_id, key, host, (b"origin", b"http://localhost:8443"), scheme="wss"
    )


async def test_behind_a_proxy_that_passes_host_and_proto_the_https_origin_is_accepted(
    settings: Settings,
) -> None:
    # nginx: proxy_set_header Host $host; proxy_set_header X-Forwarded-Proto $scheme;
    settings.ALLOWED_HOSTS = ["hop.ubnd.example.vn"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    meeting_id, key = await member_of_a_published_meeting()
    host = (b"host", b"hop.ubnd.example.vn")
    proto = (b"x-forwarded-proto", b"https")
    assert await handshake(
        meeting_id, key, host, proto, (b"origin", b"https://hop.ubnd.example.vn")
    )
    for other in (
        b"http://hop.ubnd.example.vn",
        b"https://hop.ubnd.example.vn:8443",
        b"https://evil.example.com",
    ):
        assert not await handshake(meeting_id, key, host, proto, (b"origin", other)), other
    # Without the proxy's header the request is plain http, and so is its own origin.
    assert not await handshake(meeting_id, key, host, (b"origin", b"https://hop.ubnd.example.vn"))


async def test_behind_a_proxy_that_rewrites_host_csrf_trusted_origins_name_the_site(
    settings: Settings,
) -> None:
    # nginx: proxy_pass http://127.0.0.1:8000; (the Host Daphne sees is its own address)
    settings.CSRF_TRUSTED_ORIGINS = ["https://hop.ubnd.example.vn", "https://*.ubnd.example.vn"]
    meeting_id, key = await member_of_a_published_meeting()
    assert await handshake(meeting_id, key, HOST, (b"origin", b"https://hop.ubnd.example.vn"))
    assert await handshake(meeting_id, key, HOST, (b"origin", b"https://hop2.ubnd.example.vn"))
    for other in (
        b"http://hop.ubnd.example.vn",  # scheme
        b"https://hop.ubnd.example.vn:444",  # port
        b"https://hop.ubnd.example.vn.evil.com",  # host
        b"https://evilubnd.example.vn",
    ):
        assert not await handshake(meeting_id, key, HOST, (b"origin", other)), other


async def test_a_real_browser_handshake_from_a_foreign_port_gets_403_from_daphne(
    tmp_path: Path,
) -> None:
    meeting_id, key = await member_of_a_published_meeting()
    port, log = free_port(), tmp_path / "daphne.log"
    server = start_daphne(port, log)
    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={key}"}

    async def handshake(origin: str, host: str = "localhost") -> int:
        """The handshake's HTTP status: 101 once the socket opened and said hello."""
        # Host: localhost:<port>, as a browser on http://localhost:<port> sends it; the TCP
        # connection goes to 127.0.0.1, where Daphne listens.
        try:
            socket = await websockets.connect(
                f"ws://{host}:{port}/ws/meetings/{meeting_id}/",
                host="127.0.0.1",
                port=port,
                origin=websockets.Origin(origin),
                additional_headers=cookie,
                open_timeout=10,
            )
        except websockets.InvalidStatus as refused:
            return refused.response.status_code
        hello = await asyncio.wait_for(socket.recv(), 10)
        assert '"hello"' in str(hello)
        await socket.close()
        return 101

    try:
        await asyncio.to_thread(wait_for, port, server, log)
        assert await handshake("http://localhost:9999") == 403
        assert await handshake(f"https://localhost:{port}") == 403
        assert await handshake(f"http://127.0.0.1:{port}") == 403
        assert await handshake(f"http://evil.example.com:{port}") == 403
        assert await handshake(f"http://localhost:{port}") == 101
        assert await handshake(f"http://127.0.0.1:{port}", host="127.0.0.1") == 101
    finally:
        stop(server)
