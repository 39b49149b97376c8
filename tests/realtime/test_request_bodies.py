"""Request bodies against the real server (python -m realtime.server, as scripts/setup.sh runs it),
over raw sockets, as an attacker sends them: a 150 MB body is refused by its route's limit with a
Vietnamese 413 before it is read, whether it declares its length or is chunked, and the server's
memory does not grow with it (a body longer than its Content-Length is no threat: Twisted frames
the body by the header and the rest is parsed as a next request, refused); a legitimate upload
still arrives whole. The same limits hold under any other ASGI server (the middleware, through the
ASGI application)."""

from __future__ import annotations

import hashlib
import io
import os
import select
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from channels.testing import HttpCommunicator
from django.conf import settings

from cabinet.models import PaperVersion
from realtime.asgi import application
from tests.factories import make_meeting, secretary_of
from tests.realtime.daphne import free_port, start_daphne, stop, wait_for
from tests.realtime.sockets import new_session

MB = 1024 * 1024
ATTEMPT = 150 * MB
PIECE = 64 * 1024
CSRF = "a" * 32
GET_LOGIN = b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


@dataclass
class Exchange:
    response: bytes
    sent: int  # body bytes the server let the client send before it answered
    closed: bool  # the server ended the connection (EOF) after its answer


def exchange(port: int, head: bytes, *, body_size: int, chunked: bool = False) -> Exchange:
    """Send the head, then up to body_size bytes of body while watching for an answer; once one
    comes, stop sending and read it to the end of the connection."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(head)
    sock.setblocking(False)
    piece = b"\0" * PIECE
    frame = b"%x\r\n" % PIECE + piece + b"\r\n" if chunked else piece
    sent, pending, response, closed = 0, b"", b"", False
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            want_write = sent < body_size or pending
            readable, writable, _ = select.select([sock], [sock] if want_write else [], [], 5)
            if readable:
                break
            if not want_write and not readable:
                break
            if writable:
                if not pending:
                    pending = frame
                    sent += PIECE
                try:
                    pending = pending[sock.send(pending) :]
                except (BrokenPipeError, ConnectionResetError):
                    break
        sock.setblocking(True)
        sock.settimeout(10)
        while True:
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not data:
                closed = True
                break
            response += data
    finally:
        sock.close()
    return Exchange(response, sent, closed)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, int]]:
    port = free_port()
    log = tmp_path / "server.log"
    process = start_daphne(port, log, FILE_UPLOAD_TEMP_DIR=str(tmp_path))
    try:
        wait_for(port, process, log)
        # Memory is compared from here: the first pages load Django's views and templates.
        for _ in range(2):
            page = exchange(port, GET_LOGIN, body_size=0)
            assert page.response.startswith(b"HTTP/1.1 200"), page.response[:300]
        yield port, process.pid
    finally:
        stop(process)


def post_head(
    path: str, *, length: int | None, content_type: str, cookie: str = "", extra: str = ""
) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Type: {content_type}"]
    lines.append(
        f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    )
    if cookie:
        lines.append(f"Cookie: {cookie}")
    if extra:
        lines.append(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def assert_refused_early(result: Exchange, *, says: str) -> None:
    head, _, body = result.response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), result.response[:300]
    assert says in body.decode("utf-8"), body[:500]
    assert result.closed, "the server keeps the connection open after refusing"
    # The answer came while the client was still sending: far less than the body was read.
    assert result.sent < 16 * MB, result.sent


@pytest.mark.django_db(transaction=True)
def test_a_150_mb_anonymous_post_is_refused_in_vietnamese_before_it_is_read(
    server: tuple[int, int],
) -> None:
    port, pid = server
    before = rss_kb(pid)
    for framing in ("content-length", "chunked", "expect-100-continue"):
        head = post_head(
            "/login/",
            length=None if framing == "chunked" else ATTEMPT,
            content_type="application/x-www-form-urlencoded",
            extra="Expect: 100-continue" if framing == "expect-100-continue" else "",
        )
        result = exchange(port, head, body_size=ATTEMPT, chunked=framing == "chunked")
        assert_refused_early(result, says="Yêu cầu gửi lên quá lớn (tối đa 16 KB)")
        assert b"100 Continue" not in result.response
    # The refused bodies never reached memory (stock Daphne: +305 MB for one such request).
    assert rss_kb(pid) - before < 20 * 1024
    # The server is as it was: the sign-in page answers.
    page = exchange(port, GET_LOGIN, body_size=0)
    assert page.response.startswith(b"HTTP/1.1 200")


@pytest.mark.django_db(transaction=True)
def test_an_upload_over_its_limit_is_refused_and_one_under_it_arrives_whole(
    server: tuple[int, int],
) -> None:
    port, pid = server
    meeting = make_meeting()
    secretary = secretary_of(meeting)
    cookie = f"{settings.SESSION_COOKIE_NAME}={new_session(secretary)}; csrftoken={CSRF}"
    path = f"/meetings/{meeting.pk}/papers/new/"
    limit_mb = settings.PAPER_MAX_BYTES // MB + 1

    before = rss_kb(pid)
    result = exchange(
        port,
        post_head(
            path,
            length=ATTEMPT,
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
            cookie=cookie,
        ),
        body_size=ATTEMPT,
    )
    assert_refused_early(result, says=f"Tệp gửi lên quá lớn: tối đa {limit_mb} MB")
    assert rss_kb(pid) - before < 20 * 1024

    # A 3 MB paper (over the in-memory thresholds: it goes through the temporary files) is
    # received and stored byte for byte.
    pdf = noise_pdf(3 * MB)
    body = multipart(
        {"csrfmiddlewaretoken": CSRF, "title": "Tờ trình", "kind": "report"},
        ("file", "to-trinh.pdf", pdf),
    )
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(head + body)
    answer = sock.makefile("rb").read()
    sock.close()
    assert answer.startswith(b"HTTP/1.1 302"), answer[:2000]
    version = PaperVersion.objects.get(paper__meeting=meeting)
    assert version.sha256 == hashlib.sha256(pdf).hexdigest()


BOUNDARY = "grenzeBODIES"


def multipart(fields: dict[str, str], file: tuple[str, str, bytes]) -> bytes:
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    name, filename, data = file
    out.write(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
    )
    out.write(data + f"\r\n--{BOUNDARY}--\r\n".encode())
    return out.getvalue()


def noise_pdf(size: int) -> bytes:
    """A valid PDF of about `size` bytes (a page and an embedded file of random bytes)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("noise.bin", os.urandom(size))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# --- The second line: the same limits in the ASGI application, for any server -----------------


# A database test, as the other socket tests: pytest-django runs tests without one last, after
# the browser tests, whose Playwright keeps an event loop running in this thread.
@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_asgi_application_refuses_an_oversized_anonymous_body_without_reading_it() -> (
    None
):
    declared = HttpCommunicator(
        application,
        "POST",
        "/login/",
        body=b"",
        headers=[(b"content-length", str(ATTEMPT).encode()), (b"host", b"127.0.0.1")],
    )
    response = await declared.get_response(timeout=10)
    assert response["status"] == 413
    assert "Yêu cầu gửi lên quá lớn" in response["body"].decode()

    # No length declared, 100 KB received: refused on the bytes counted.
    counted = HttpCommunicator(
        application,
        "POST",
        "/login/",
        body=b"x" * 100_000,
        headers=[(b"host", b"127.0.0.1"), (b"content-type", b"application/json")],
    )
    response = await counted.get_response(timeout=10)
    assert response["status"] == 413
    assert "Yêu cầu gửi lên quá lớn" in response["body"].decode()


# A database test, as the other socket tests: pytest-django runs tests without one last, after
# the browser tests, whose Playwright keeps an event loop running in this thread.
@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_an_upload_route_takes_a_large_body_only_with_a_session_cookie() -> None:
    """Without a session cookie every route is anonymous: a few KB. With one (valid or not: that
    needs the database, and Django checks it next), the upload's own limit."""
    headers = [(b"content-length", str(MB).encode()), (b"host", b"127.0.0.1")]
    anonymous = HttpCommunicator(application, "POST", "/meetings/1/papers/new/", headers=headers)
    response = await anonymous.get_response(timeout=10)
    assert response["status"] == 413
    assert "tối đa 16 KB" in response["body"].decode()

    cookie = (b"cookie", f"{settings.SESSION_COOKIE_NAME}=unknown".encode())
    signed = HttpCommunicator(
        application, "POST", "/meetings/1/papers/new/", body=b"x" * MB, headers=[*headers, cookie]
    )
    response = await signed.get_response(timeout=10)
    # Past the size check, Django's own refusal (no CSRF token; the session is no real one).
    assert response["status"] == 403
