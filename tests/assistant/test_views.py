"""The assistant's and the library's pages: who may see and do what, the question box and its JSON
twin, the history, and a directive uploaded as plain text answering a question with a citation
that opens on the quoted page."""

from __future__ import annotations

import hashlib
import html
import json
import re
from typing import Any
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assistant.models import Directive, DirectiveStatus, Question, Visibility
from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import User
from tests.factories import (
    PASSWORD,
    add_item,
    invite,
    make_meeting,
    make_unit,
    make_user,
    pdf_bytes,
    processing_uploads,
    secretary_of,
)
from tests.factories.library import CHI_THI_15

pytestmark = pytest.mark.django_db


def manager(**fields: Any) -> User:
    user = make_user(**fields)
    user.user_permissions.add(Permission.objects.get(codename="manage_library"))
    return User.objects.get(pk=user.pk)


def client_for(user: User, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    assert client.login(username=user.username, password=PASSWORD)
    return client


def stored_directive(*, uploader: User, pdf: bool = True, **fields: Any) -> Directive:
    """A READY directive written directly (no processing), with a PDF file when ``pdf``."""
    data = pdf_bytes(2) if pdf else CHI_THI_15.encode()
    directive = Directive(
        title=fields.pop("title", "Quyết định thử nghiệm"),
        number=fields.pop("number", "01/QĐ-UBND"),
        source_format="pdf" if pdf else "txt",
        original_name="van-ban.pdf",
        sha256=hashlib.sha256(data + str(fields).encode()).hexdigest(),
        size=len(data),
        uploaded_by=uploader,
        status=DirectiveStatus.READY,
        progress=100,
        page_count=2,
        **fields,
    )
    if pdf:
        directive.file.save("x.pdf", ContentFile(data), save=False)
    directive.save()
    return directive


def post_json(client: Client, body: Any, **extra: Any) -> Any:
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(
        reverse("assistant:ask_json"), data=raw, content_type="application/json", **extra
    )


# --- Access ----------------------------------------------------------------------------------------


def test_every_page_requires_signing_in() -> None:
    client = Client()
    for url in (
        reverse("assistant:home"),
        reverse("assistant:library"),
        reverse("assistant:directive_view", args=[1]),
        reverse("assistant:directive_file", args=[1]),
        reverse("assistant:history", args=[1]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login/" in response["Location"], url
    # The JSON endpoint answers a program in JSON, not with the sign-in page.
    response = post_json(client, {"question": "Ai ký văn bản?"})
    assert response.status_code == 401
    assert response.json() == {"error": "Hãy đăng nhập để hỏi trợ lý."}


def test_a_reader_cannot_upload_edit_reindex_or_delete() -> None:
    owner = manager()
    directive = stored_directive(uploader=owner)
    reader = client_for(make_user())
    upload = SimpleUploadedFile("a.txt", CHI_THI_15.encode(), content_type="text/plain")
    assert reader.get(reverse("assistant:directive_upload")).status_code == 403
    response = reader.post(reverse("assistant:directive_upload"), {"file": upload})
    assert response.status_code == 403
    for name in ("directive_edit", "directive_reindex", "directive_delete"):
        url = reverse(f"assistant:{name}", args=[directive.pk])
        assert reader.post(url, {"title": "Đổi", "visibility": "public"}).status_code == 403
    assert reader.get(reverse("assistant:directive_delete", args=[directive.pk])).status_code == 403
    assert Directive.objects.filter(pk=directive.pk, title="Quyết định thử nghiệm").exists()
    assert Directive.objects.count() == 1


def test_a_restricted_directive_is_invisible_to_others_and_its_file_is_not_served() -> None:
    owner = manager()
    unit = make_unit()
    insider = make_user(unit=unit)
    directive = stored_directive(
        uploader=owner, title="Văn bản mật của Sở", visibility=Visibility.RESTRICTED
    )
    directive.allowed_units.set([unit])
    outsider = client_for(make_user())
    for name in ("directive_view", "directive_file", "directive_status"):
        assert outsider.get(reverse(f"assistant:{name}", args=[directive.pk])).status_code == 404
    listing = outsider.get(reverse("assistant:library"))
    assert "Văn bản mật của Sở" not in listing.content.decode()
    # Same answer as for a directive that does not exist: no existence leak.
    assert outsider.get(reverse("assistant:directive_view", args=[99999])).status_code == 404

    member = client_for(insider)
    assert "Văn bản mật của Sở" in member.get(reverse("assistant:library")).content.decode()
    page = member.get(reverse("assistant:directive_view", args=[directive.pk]))
    assert page.status_code == 200
    response = member.get(reverse("assistant:directive_file", args=[directive.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.streaming  # served from the file, not read into memory
    assert response.getvalue().startswith(b"%PDF-")
    partial = member.get(
        reverse("assistant:directive_file", args=[directive.pk]), HTTP_RANGE="bytes=0-9"
    )
    assert partial.status_code == 206
    assert partial["Content-Range"].startswith("bytes 0-9/")
    assert partial.streaming
    assert partial.getvalue() == directive.file.open("rb").read(10)


def test_the_library_lists_searches_and_filters() -> None:
    owner = manager()
    stored_directive(
        uploader=owner, title="Về công tác văn thư", number="30/2020/NĐ-CP", doc_type="nghi_dinh"
    )
    stored_directive(
        uploader=owner, title="Về chuyển đổi số", number="05/CT-UBND", doc_type="chi_thi"
    )
    client = client_for(make_user())
    text = client.get(reverse("assistant:library")).content.decode()
    assert "Về công tác văn thư" in text
    assert "Về chuyển đổi số" in text
    text = client.get(reverse("assistant:library"), {"q": "30/2020"}).content.decode()
    assert "Về công tác văn thư" in text
    assert "Về chuyển đổi số" not in text
    text = client.get(reverse("assistant:library"), {"doc_type": "chi_thi"}).content.decode()
    assert "Về công tác văn thư" not in text
    assert "Về chuyển đổi số" in text
    assert "Tải lên văn bản" not in text  # readers see no management buttons


def test_a_processing_directive_polls_its_status_and_a_refusal_says_why() -> None:
    owner = manager()
    directive = stored_directive(uploader=owner, pdf=False)
    Directive.objects.filter(pk=directive.pk).update(status=DirectiveStatus.INDEXING, progress=60)
    client = client_for(owner)
    row = client.get(reverse("assistant:directive_status", args=[directive.pk]))
    assert 'hx-trigger="every 2s"' in row.content.decode()
    assert "60%" in row.content.decode()
    Directive.objects.filter(pk=directive.pk).update(status=DirectiveStatus.FAILED, error="no_text")
    failed = client.get(reverse("assistant:directive_status", args=[directive.pk])).content.decode()
    assert "every 2s" not in failed
    assert "không có lớp chữ" in failed


# --- Questions -------------------------------------------------------------------------------------


def test_bad_questions_get_a_vietnamese_400() -> None:
    client = client_for(make_user())
    cases = [
        ("{not json", "JSON"),
        ([1, 2], "question"),
        ({"question": "   "}, "Hãy nhập câu hỏi"),
        ({"question": "x" * 1001}, "tối đa 1000 ký tự"),
        ({"question": "Ai ký?", "doc_types": ["khong_co"]}, "Loại văn bản không hợp lệ"),
        ({"question": "Ai ký?", "date_from": "hôm qua"}, "Ngày không hợp lệ"),
    ]
    for body, words in cases:
        response = post_json(client, body)
        assert response.status_code == 400, body
        assert words in response.json()["error"], (body, response.json())
    assert not Question.objects.exists()


def test_the_question_box_explains_an_empty_or_too_long_question() -> None:
    client = client_for(make_user())
    url = reverse("assistant:ask")
    response = client.post(url, {"question": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Hãy nhập câu hỏi." in response.content.decode()
    response = client.post(url, {"question": "a" * 1001}, HTTP_HX_REQUEST="true")
    assert "tối đa 1000 ký tự" in response.content.decode()
    response = client.post(url, {"question": ""})  # without JavaScript: the page again
    assert response.status_code == 200
    assert "Hãy nhập câu hỏi." in response.content.decode()
    # The browser does not stop an empty question with its own message in its own language.
    page = client.get(reverse("assistant:home")).content.decode()
    box = re.search(r"<textarea[^>]*name=\"question\"[^>]*>", page)
    assert box
    assert "required" not in box.group(0)


def test_the_json_endpoint_checks_csrf() -> None:
    client = client_for(make_user(), enforce_csrf_checks=True)
    response = post_json(client, {"question": "Ai ký văn bản?"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]
    # A form posted without its token gets the Vietnamese page, not Django's English one.
    page = client.post(reverse("assistant:ask"), {"question": "Ai ký văn bản?"})
    assert page.status_code == 403
    assert "Biểu mẫu đã hết hạn" in page.content.decode()


def test_a_question_about_a_meeting_is_for_its_participants_only() -> None:
    meeting = make_meeting()
    client = client_for(make_user())
    response = post_json(client, {"question": "Tổng vốn là bao nhiêu?", "meeting": meeting.pk})
    assert response.status_code == 404
    assert "cuộc họp" in response.json()["error"]
    response = client.post(
        reverse("assistant:ask"), {"question": "Tổng vốn?", "meeting": meeting.pk}
    )
    assert response.status_code == 404


def test_an_empty_library_answers_not_found_and_keeps_the_history_private() -> None:
    asker, other = make_user(), make_user()
    client = client_for(asker)
    data = post_json(client, {"question": "Ai ký quyết định giao vốn năm 2027?"}).json()
    assert data["found"] is False
    assert data["message"] == "Không tìm thấy thông tin trong thư viện văn bản"
    assert data["typed_without_marks"] is False
    row = Question.objects.get(pk=data["history_id"])
    assert row.user == asker
    page = client.get(reverse("assistant:history", args=[row.pk]))
    assert page.status_code == 200
    assert "Không tìm thấy thông tin trong thư viện văn bản" in page.content.decode()
    assert "Ai ký quyết định giao vốn năm 2027?" in page.content.decode()
    assert client_for(other).get(reverse("assistant:history", args=[row.pk])).status_code == 404
    home = client_for(other).get(reverse("assistant:home")).content.decode()
    assert "Ai ký quyết định giao vốn năm 2027?" not in home


def test_an_uploaded_directive_answers_with_a_citation_that_opens_on_the_quote() -> None:
    owner = manager()
    client = client_for(owner)
    upload = SimpleUploadedFile("chi-thi.txt", CHI_THI_15.encode(), content_type="text/plain")
    with processing_uploads():
        response = client.post(
            reverse("assistant:directive_upload"), {"file": upload, "visibility": "public"}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    directive = Directive.objects.get()
    assert directive.status == DirectiveStatus.READY, directive.error
    assert directive.chunk_count > 0

    reader_user = make_user()
    reader = client_for(reader_user)
    question = "Thời hạn ban hành thông báo kết luận cuộc họp là bao lâu?"
    data = post_json(reader, {"question": question}).json()
    assert data["found"] is True, data
    assert Question.objects.filter(pk=data["history_id"], user=reader_user, found=True).exists()
    quote = next(q for q in data["quotes"] if "03 ngày làm việc" in q["text"])
    url = quote["citation"]["url"]
    path, fragment = url.split("#", 1)
    assert path == reverse("assistant:directive_view", args=[directive.pk])
    assert re.match(r"page=\d+&hl=", fragment)
    highlight = unquote(fragment.split("&hl=", 1)[1])
    assert " ".join(quote["text"].split()).startswith(highlight)
    page = reader.get(path)
    assert page.status_code == 200
    shown = " ".join(html.unescape(page.content.decode()).split())
    assert " ".join(quote["text"].split()) in shown

    # The htmx question box renders the same answer, with its confidence and the link.
    partial = reader.post(
        reverse("assistant:ask"), {"question": question}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Độ tin cậy:" in partial
    assert "<blockquote>" in partial
    assert html.escape(path) in partial or path in partial
    assert 'id="history"' in partial
    assert "hx-swap-oob" in partial
    assert "Hiểu là" not in partial  # typed with tone marks: read as typed

    # Typed on a tablet without tone marks: the same clause, and the answer says how it was read.
    folded = reader.post(
        reverse("assistant:ask"),
        {"question": "thoi han ban hanh thong bao ket luan cuoc hop"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Hiểu là: thời hạn ban hành thông báo kết luận cuộc họp" in html.unescape(folded)
    assert "03 ngày làm việc" in folded
    retype = "hãy gõ lại có dấu"
    assert retype not in html.unescape(folded)  # answered: nothing to retype

    # Refused without tone marks: it may have been misread, so it suggests typing them.
    refused = html.unescape(
        reader.post(
            reverse("assistant:ask"),
            {"question": "gia ve tham quan van mieu la bao nhieu"},
            HTTP_HX_REQUEST="true",
        ).content.decode()
    )
    assert "Không tìm thấy thông tin trong thư viện văn bản" in refused
    assert retype in refused


def test_the_meeting_page_offers_the_assistant_on_its_papers() -> None:
    meeting = make_meeting()
    invite(meeting, "chair")
    member = invite(meeting, "member").user
    add_item(meeting)
    meeting_services.publish_meeting(actor=secretary_of(meeting), meeting=meeting)
    client = client_for(member)
    page = client.get(reverse("cabinet:meeting", args=[meeting.pk])).content.decode()
    assert "Hỏi trợ lý về tài liệu cuộc họp" in page
    assert f'name="meeting" value="{meeting.pk}"' in page
    response = client.post(
        reverse("assistant:ask"),
        {"question": "Tổng vốn đầu tư là bao nhiêu?", "meeting": meeting.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Không tìm thấy thông tin trong thư viện văn bản" in response.content.decode()
    assert "hx-swap-oob" not in response.content.decode()  # the meeting page has no history list
    assert Question.objects.get().meeting == meeting


def test_a_manager_edits_restricts_and_deletes_a_directive() -> None:
    owner = manager()
    unit = make_unit()
    directive = stored_directive(uploader=owner)
    client = client_for(owner)
    url = reverse("assistant:directive_edit", args=[directive.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "number": "07/CT-UBND",
            "title": "Về tăng cường kỷ luật hành chính",
            "doc_type": "chi_thi",
            "issuer": "UBND Thành phố",
            "issued_on": "2026-03-02",
            "visibility": "restricted",
        },
    )
    assert "ít nhất một đơn vị" in response.content.decode()  # restricted needs someone
    response = client.post(
        url,
        {
            "number": "07/CT-UBND",
            "title": "Về tăng cường kỷ luật hành chính",
            "doc_type": "chi_thi",
            "issuer": "UBND Thành phố",
            "issued_on": "2026-03-02",
            "visibility": "restricted",
            "units": [unit.pk],
        },
    )
    assert response.status_code == 302
    directive.refresh_from_db()
    assert (directive.number, directive.doc_type, directive.visibility) == (
        "07/CT-UBND",
        "chi_thi",
        "restricted",
    )
    assert list(directive.allowed_units.all()) == [unit]
    assert "number" in directive.edited_fields
    outsider = client_for(make_user())
    assert outsider.get(reverse("assistant:directive_view", args=[directive.pk])).status_code == 404

    delete = reverse("assistant:directive_delete", args=[directive.pk])
    confirm = client.get(delete)
    assert confirm.status_code == 200
    assert "Xóa văn bản khỏi thư viện?" in confirm.content.decode()
    assert Directive.objects.filter(pk=directive.pk).exists()
    with processing_uploads():
        assert client.post(delete).status_code == 302
    assert not Directive.objects.filter(pk=directive.pk).exists()


def test_the_pages_speak_english_when_asked() -> None:
    client = client_for(make_user())
    client.cookies["django_language"] = "en"
    page = client.get(reverse("assistant:home")).content.decode()
    assert "Ask the assistant" in page
    assert "Recent questions" in page
    assert "Document library" in client.get(reverse("assistant:library")).content.decode()
    response = post_json(client, {"question": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["error"] == "Please enter a question."
