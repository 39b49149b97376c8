"""Delivery of papers: the viewer's file (Range, validators, caching, X-Accel-Redirect, the ASGI
streaming path) and the watermarked download (who may have it, what it says on each page, the
audit record)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import warnings
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from asgiref.sync import async_to_sync
from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.test import AsyncClient, Client
from django.urls import reverse
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, NumberObject, StreamObject
from pytest_django.fixtures import Settings

from cabinet.models import MeetingEvent, Paper, PaperVersion, User
from cabinet.papers.lib.delivery import ByteRange, RangeNotSatisfiable, parse_range
from tests.factories import Room, attach, make_unit, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def room() -> Room:
    return Room()


def noisy_pdf(extra_bytes: int) -> bytes:
    """A valid one-page PDF made big by an image of incompressible bytes (not an embedded file:
    processing would strip that, and the stored copy would be small)."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    image = StreamObject()
    image.set_data(os.urandom(extra_bytes - extra_bytes % 3))
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(extra_bytes // 3),
            NameObject("/Height"): NumberObject(1),
            NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
            NameObject("/BitsPerComponent"): NumberObject(8),
        }
    )
    xobjects = DictionaryObject({NameObject("/Noise"): writer._add_object(image)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): xobjects})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def version_of(paper: Paper, number: int = 1) -> PaperVersion:
    return paper.versions.get(number=number)


def stored_bytes(paper: Paper) -> bytes:
    return Path(version_of(paper).file.path).read_bytes()


def file_url(paper: Paper, number: int = 1) -> str:
    return reverse("cabinet:paper_file", args=[paper.pk, number])


def download_url(paper: Paper, number: int = 1) -> str:
    return reverse("cabinet:paper_download", args=[paper.pk, number])


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response: HttpResponseBase) -> bytes:
    if isinstance(response, StreamingHttpResponse):  # what response.streaming says
        return response.getvalue()  # b"".join(response.streaming_content)
    assert isinstance(response, HttpResponse)
    return response.content


def async_chunks(response: HttpResponseBase) -> AsyncIterator[bytes]:
    """What a response streamed asynchronously (as under ASGI) sends, chunk by chunk."""
    assert isinstance(response, StreamingHttpResponse)
    assert response.is_async
    chunks = response.streaming_content
    assert isinstance(chunks, AsyncIterator)
    return chunks


# --- Range parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=100-", ByteRange(100, 999)),
        ("bytes=-100", ByteRange(900, 999)),
        ("bytes=-5000", ByteRange(0, 999)),  # a suffix longer than the file is the whole file
        ("bytes=990-5000", ByteRange(990, 999)),  # an end past the file is clipped
        ("bytes=0-0", ByteRange(0, 0)),
        (None, None),
        ("items=0-5", None),  # other units are ignored
        ("bytes=0-1,5-6", None),  # several ranges: the whole file
    ],
)
def test_range_header_is_read_as_one_byte_range(
    header: str | None, expected: ByteRange | None
) -> None:
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize(
    "header", ["bytes=1000-", "bytes=5-2", "bytes=-0", "bytes=abc", "bytes=-", "bytes=1-2-3"]
)
def test_unsatisfiable_or_malformed_ranges_are_refused(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 1000)


# --- The viewer's file ------------------------------------------------------------------------


def test_full_file_with_validators_and_private_caching(room: Room) -> None:
    response = logged_in(room.member.user).get(file_url(room.public_paper))
    assert response.status_code == 200
    content = body(response)
    assert content == stored_bytes(room.public_paper)
    assert response["Content-Length"] == str(len(content))
    assert response["Content-Type"] == "application/pdf"
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"] == f'"{version_of(room.public_paper).pdf_sha256}"'
    assert response["Cache-Control"].startswith("private")
    assert "max-age=" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")
    assert not response.has_header("Content-Range")


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=10-109", 10, 109), ("bytes=50-", 50, None), ("bytes=-30", -30, None)],
)
def test_a_single_range_gets_206_with_exactly_those_bytes(
    room: Room, header: str, start: int, end: int | None
) -> None:
    data = stored_bytes(room.public_paper)
    response = logged_in(room.member.user).get(file_url(room.public_paper), HTTP_RANGE=header)
    assert response.status_code == 206
    expected = data[start : None if end is None else end + 1]
    first = start % len(data)
    assert body(response) == expected
    assert response["Content-Length"] == str(len(expected))
    assert response["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(data)}"


@pytest.mark.parametrize("header", ["bytes=999999999-", "bytes=20-10", "bytes=x-y"])
def test_unsatisfiable_range_gets_416_naming_the_size(room: Room, header: str) -> None:
    size = len(stored_bytes(room.public_paper))
    response = logged_in(room.member.user).get(file_url(room.public_paper), HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"
    assert body(response) == b""


def test_several_ranges_are_answered_with_the_whole_file(room: Room) -> None:
    response = logged_in(room.member.user).get(
        file_url(room.public_paper), HTTP_RANGE="bytes=0-9,20-29"
    )
    assert response.status_code == 200
    assert body(response) == stored_bytes(room.public_paper)


def test_if_range_with_the_current_etag_honours_the_range(room: Room) -> None:
    etag = version_of(room.public_paper).etag
    response = logged_in(room.member.user).get(
        file_url(room.public_paper), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag
    )
    assert response.status_code == 206
    assert body(response) == stored_bytes(room.public_paper)[:10]


@pytest.mark.parametrize("if_range", ['"0000"', "Sat, 21 Nov 2026 10:00:00 GMT"])
def test_if_range_that_does_not_match_sends_the_whole_file(room: Room, if_range: str) -> None:
    response = logged_in(room.member.user).get(
        file_url(room.public_paper), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=if_range
    )
    assert response.status_code == 200
    assert body(response) == stored_bytes(room.public_paper)


@pytest.mark.parametrize("form", ["{etag}", 'W/{etag}, "other"', "*"])
def test_if_none_match_with_the_current_etag_gets_304_without_body(room: Room, form: str) -> None:
    etag = version_of(room.public_paper).etag
    response = logged_in(room.member.user).get(
        file_url(room.public_paper), HTTP_IF_NONE_MATCH=form.format(etag=etag)
    )
    assert response.status_code == 304
    assert body(response) == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"].startswith("private")


def test_if_none_match_with_another_etag_gets_the_file(room: Room) -> None:
    response = logged_in(room.member.user).get(
        file_url(room.public_paper), HTTP_IF_NONE_MATCH='"deadbeef"'
    )
    assert response.status_code == 200
    assert body(response) == stored_bytes(room.public_paper)


def test_head_gives_the_headers_of_get_without_the_body(room: Room) -> None:
    client = logged_in(room.member.user)
    size = len(stored_bytes(room.public_paper))
    head = client.head(file_url(room.public_paper))
    assert head.status_code == 200
    assert head["Content-Length"] == str(size)
    assert head["ETag"] == version_of(room.public_paper).etag
    assert body(head) == b""
    partial = client.head(file_url(room.public_paper), HTTP_RANGE="bytes=5-14")
    assert partial.status_code == 206
    assert partial["Content-Range"] == f"bytes 5-14/{size}"
    assert partial["Content-Length"] == "10"


def test_post_is_not_allowed(room: Room) -> None:
    assert logged_in(room.member.user).post(file_url(room.public_paper)).status_code == 405


def test_reading_the_file_is_not_logged(room: Room) -> None:
    before = MeetingEvent.objects.count()
    logged_in(room.member.user).get(file_url(room.public_paper), HTTP_RANGE="bytes=0-9")
    assert MeetingEvent.objects.count() == before


def test_x_accel_redirect_hands_the_bytes_to_nginx_after_the_permission_check(
    room: Room, settings: Settings
) -> None:
    settings.PAPER_X_ACCEL_REDIRECT = "/_protected/papers/"
    version = version_of(room.public_paper)
    response = logged_in(room.member.user).get(file_url(room.public_paper), HTTP_RANGE="bytes=0-9")
    assert response.status_code == 200
    assert body(response) == b""
    assert version.file.name is not None
    assert response["X-Accel-Redirect"] == "/_protected/papers/" + version.file.name
    assert response["ETag"] == version.etag
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"].startswith("private")
    denied = logged_in(room.outsider).get(file_url(room.public_paper))
    assert denied.status_code == 404
    assert not denied.has_header("X-Accel-Redirect")
    restricted = logged_in(room.member.user).get(file_url(room.restricted_paper))
    assert restricted.status_code == 404


# --- Who may have the file and the download ------------------------------------------------------

ALLOWED = {
    "public_paper": {"secretary", "chair", "member", "listed_member", "observer"},
    "restricted_paper": {"secretary", "chair", "listed_member"},
    "guest_paper": {"secretary", "chair", "member", "listed_member", "observer", "guest"},
}
ROLES = ["secretary", "chair", "member", "listed_member", "guest", "observer", "outsider"]


@pytest.mark.parametrize("view", ["cabinet:paper_file", "cabinet:paper_download"])
@pytest.mark.parametrize("paper", list(ALLOWED))
def test_only_those_who_may_read_a_paper_get_its_bytes(room: Room, view: str, paper: str) -> None:
    url = reverse(view, args=[getattr(room, paper).pk, 1])
    got = {}
    for role in ROLES:
        user = room.user(role)
        assert user is not None  # ROLES has no anonymous reader
        got[role] = logged_in(user).get(url).status_code
    assert got == {role: 200 if role in ALLOWED[paper] else 404 for role in ROLES}


@pytest.mark.parametrize("view", ["cabinet:paper_file", "cabinet:paper_download"])
def test_anonymous_readers_are_sent_to_the_login_page(room: Room, view: str) -> None:
    response = Client().get(reverse(view, args=[room.public_paper.pk, 1]))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("view", ["cabinet:paper_file", "cabinet:paper_download"])
def test_a_version_that_does_not_exist_is_404(room: Room, view: str) -> None:
    response = logged_in(room.secretary).get(reverse(view, args=[room.public_paper.pk, 2]))
    assert response.status_code == 404


# --- The watermarked download -------------------------------------------------------------------


def downloaded_pages(response: HttpResponseBase) -> list[str]:
    assert response.status_code == 200
    return [page.extract_text() for page in PdfReader(io.BytesIO(body(response))).pages]


def test_every_page_of_a_download_names_the_reader_and_the_meeting(
    room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    paper = attach(room.meeting, room.public_item, pages=4, title="Báo cáo quý")
    reader = room.member.user
    reader.unit = make_unit(name="Sở Tài chính")
    reader.save()
    # 07:05 UTC is 14:05 in Hà Nội: the stamp uses the project's time zone.
    monkeypatch.setattr(
        "cabinet.papers.views.delivery.timezone.now",
        lambda: dt.datetime(2026, 11, 22, 7, 5, tzinfo=dt.UTC),
    )
    pages = downloaded_pages(logged_in(reader).get(download_url(paper)))
    assert len(pages) == 4
    for text in pages:
        assert reader.full_name in text
        assert "Sở Tài chính" in text
        assert "22/11/2026 14:05" in text
        assert room.meeting.title in text
        assert "không phát tán" in text


def test_each_reader_gets_a_copy_naming_them(room: Room) -> None:
    first = downloaded_pages(logged_in(room.member.user).get(download_url(room.public_paper)))
    second = downloaded_pages(logged_in(room.chair.user).get(download_url(room.public_paper)))
    assert room.member.user.full_name in first[0]
    assert room.chair.user.full_name not in first[0]
    assert room.chair.user.full_name in second[0]


def test_rotated_and_differently_sized_pages_are_all_stamped(room: Room) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=842, height=595)
    writer.add_blank_page(width=300, height=400).rotate(90)
    buffer = io.BytesIO()
    writer.write(buffer)
    paper = attach(
        room.meeting,
        room.public_item,
        upload=pdf_upload(content=buffer.getvalue()),
        title="Phụ lục",
    )
    pages = downloaded_pages(logged_in(room.member.user).get(download_url(paper)))
    assert len(pages) == 3
    assert all(room.member.user.full_name in text for text in pages)


def test_download_is_an_attachment_never_cached_and_named_for_the_paper(room: Room) -> None:
    response = logged_in(room.member.user).get(download_url(room.public_paper))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('Báo cáo CĐS (v1).pdf', safe='')}" in disposition
    assert 'filename="Bao cao CDS (v1).pdf"' in disposition
    content = body(response)
    assert content.startswith(b"%PDF")
    assert content != stored_bytes(room.public_paper)
    assert response["Content-Length"] == str(len(content))


def test_a_download_is_recorded_as_an_access_event(room: Room) -> None:
    reader = room.member.user
    logged_in(reader).get(download_url(room.public_paper))
    event = MeetingEvent.objects.get(type="paper.downloaded")
    assert event.seq is None
    assert event.actor_id == reader.pk
    assert event.meeting_id == room.meeting.pk
    assert event.payload == {"paper": room.public_paper.pk, "version": 1}


def test_a_refused_download_is_not_recorded(room: Room) -> None:
    logged_in(room.member.user).get(download_url(room.restricted_paper))
    assert not MeetingEvent.objects.filter(type="paper.downloaded").exists()


def test_download_leaves_no_temporary_file(
    room: Room, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    body(logged_in(room.member.user).get(download_url(room.public_paper)))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("paper-download-")]


# --- The ASGI path (Daphne runs Django's ASGIHandler) -------------------------------------------


def asgi_get(path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], list[bytes]]:
    """Run one GET through Django's real ASGI handler and collect what it sends."""
    sent: list[Mapping[str, Any]] = []
    request: dict[str, Any] | None = {"type": "http.request", "body": b"", "more_body": False}

    async def receive() -> dict[str, Any]:
        nonlocal request
        if request is not None:
            message, request = request, None
            return message
        await asyncio.Event().wait()  # no disconnect: the client stays until the end
        return {}

    async def send(message: Mapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    # As Django's test client does: a request must not close the test's database connection.
    # (On PostgreSQL, request_finished would otherwise close the connection the test's
    # transaction lives on.)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            async_to_sync(ASGIHandler())(scope, receive, send)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    # Django warns when it has to turn a sync iterator into a list, i.e. the whole file in memory.
    assert not [w for w in caught if "consume synchronous iterators" in str(w.message)]
    start = sent[0]
    assert start["type"] == "http.response.start"
    response_headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    chunks = [m.get("body", b"") for m in sent[1:] if m["type"] == "http.response.body"]
    chunks = [chunk for chunk in chunks if chunk]
    return start["status"], response_headers, chunks


def session_cookie(user: User) -> str:
    client = logged_in(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_under_asgi_a_range_of_a_large_file_is_streamed_in_bounded_chunks(room: Room) -> None:
    paper = attach(
        room.meeting,
        room.public_item,
        upload=pdf_upload(content=noisy_pdf(1_200_000)),
        title="Hồ sơ lớn",
    )
    data = stored_bytes(paper)
    status, headers, chunks = asgi_get(
        file_url(paper),
        {"Cookie": session_cookie(room.member.user), "Range": "bytes=1000-1000999"},
    )
    assert status == 206
    assert headers["content-range"] == f"bytes 1000-1000999/{len(data)}"
    assert headers["content-length"] == "1000000"
    assert b"".join(chunks) == data[1000:1001000]
    assert len(chunks) > 7  # streamed piece by piece, never as one body


def test_under_asgi_the_whole_file_and_the_download_arrive_intact(room: Room) -> None:
    cookie = {"Cookie": session_cookie(room.member.user)}
    status, headers, chunks = asgi_get(file_url(room.public_paper), cookie)
    assert status == 200
    assert headers["content-type"] == "application/pdf"
    assert b"".join(chunks) == stored_bytes(room.public_paper)
    status, _headers, chunks = asgi_get(download_url(room.public_paper), cookie)
    assert status == 200
    assert (
        room.member.user.full_name
        in PdfReader(io.BytesIO(b"".join(chunks))).pages[0].extract_text()
    )
    assert MeetingEvent.objects.filter(type="paper.downloaded").count() == 1


def test_async_client_gets_exactly_the_requested_range(room: Room) -> None:
    data = stored_bytes(room.public_paper)
    client = AsyncClient()
    client.cookies.load(session_cookie(room.member.user))

    async def fetch() -> tuple[int, bytes, str]:
        response = await client.get(file_url(room.public_paper), headers={"Range": "bytes=3-12"})
        content = b"".join([chunk async for chunk in async_chunks(response)])
        return response.status_code, content, response["Content-Range"]

    status, content, content_range = async_to_sync(fetch)()
    assert status == 206
    assert content == data[3:13]
    assert content_range == f"bytes 3-12/{len(data)}"
