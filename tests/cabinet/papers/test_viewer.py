"""The viewer page, its search, and offline reading: who may open what, what is recorded, what the
browser is told to keep and to forget."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse
from fpdf import FPDF

from cabinet.core.text import fold  # the viewer's fold: it imports it from there
from cabinet.models import MeetingEvent, Paper, PaperRead, User
from cabinet.papers.selectors import search_pages
from cabinet.papers.services import papers as paper_services
from tests.factories import Room, add_version, attach, pdf_upload, secretary_of

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def pages_pdf(*pages: str) -> bytes:
    pdf = FPDF()
    pdf.add_font("DejaVu", "", FONT)
    pdf.set_font("DejaVu", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


@pytest.fixture
def room() -> Room:
    return Room()


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def view_url(paper: Paper, number: int = 1) -> str:
    return reverse("cabinet:paper_view", args=[paper.pk, number])


# --- Who may open the viewer ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paper", "matrix"),
    [
        ("public_paper", {"guest": 404, "member": 200, "listed_member": 200, "observer": 200}),
        ("restricted_paper", {"guest": 404, "member": 404, "listed_member": 200, "observer": 404}),
        ("guest_paper", {"guest": 200, "member": 200, "listed_member": 200, "observer": 200}),
        ("meeting_paper", {"guest": 404, "member": 200, "listed_member": 200, "observer": 200}),
    ],
)
def test_viewer_permission_matrix(room: Room, paper: str, matrix: dict[str, int]) -> None:
    url = view_url(getattr(room, paper))
    expected = {"secretary": 200, "chair": 200, "outsider": 404, "anonymous": 302} | matrix
    got = {role: client_for(room.user(role)).get(url).status_code for role in expected}
    assert got == expected


def test_a_version_still_processing_is_404_even_for_the_secretary(room: Room) -> None:
    # Outside captureOnCommitCallbacks the processing task never runs: version 2 stays queued.
    paper_services.add_paper_version(
        actor=room.secretary, paper=room.public_paper, upload=pdf_upload(2), note=""
    )
    for user in (room.secretary, room.member.user):
        assert client_for(user).get(view_url(room.public_paper, 2)).status_code == 404
        assert client_for(user).get(view_url(room.public_paper, 1)).status_code == 200


def test_search_of_a_paper_the_user_may_not_read_is_404(room: Room) -> None:
    url = reverse("cabinet:paper_search", args=[room.restricted_paper.pk, 1])
    assert client_for(room.member.user).get(url, {"q": "bao cao"}).status_code == 404
    assert client_for(room.outsider).get(url, {"q": "bao cao"}).status_code == 404


# --- What opening a paper records --------------------------------------------------------------------


def test_opening_a_paper_records_an_access_event_without_a_sequence_number(room: Room) -> None:
    last_seq = room.meeting.__class__.objects.get(pk=room.meeting.pk).last_seq
    response = client_for(room.member.user).get(view_url(room.public_paper))
    assert response.status_code == 200
    event = MeetingEvent.objects.get(type="paper.viewed")
    assert event.seq is None
    assert event.actor == room.member.user
    assert event.payload == {"paper": room.public_paper.pk, "version": 1}
    # Audit only: the meeting's sequence (what sockets resume from) does not move.
    assert room.meeting.__class__.objects.get(pk=room.meeting.pk).last_seq == last_seq


def test_opening_a_paper_remembers_the_newest_version_read(room: Room) -> None:
    user = room.member.user
    client = client_for(user)
    client.get(view_url(room.public_paper, 1))
    assert PaperRead.objects.get(user=user, paper=room.public_paper).version_number == 1
    add_version(room.public_paper, pages=2)
    client.get(view_url(room.public_paper, 2))
    assert PaperRead.objects.get(user=user, paper=room.public_paper).version_number == 2
    client.get(view_url(room.public_paper, 1))  # going back to the old one does not unread v2
    assert PaperRead.objects.get(user=user, paper=room.public_paper).version_number == 2


def test_an_old_version_says_so_and_links_to_the_newest_and_the_comparison(room: Room) -> None:
    add_version(room.public_paper, pages=2)
    page = client_for(room.member.user).get(view_url(room.public_paper, 1)).content.decode()
    assert "Bạn đang xem phiên bản cũ" in page
    assert view_url(room.public_paper, 2) in page
    assert reverse("cabinet:paper_compare", args=[room.public_paper.pk, 1, 2]) in page
    newest = client_for(room.member.user).get(view_url(room.public_paper, 2)).content.decode()
    assert "Bạn đang xem phiên bản cũ" not in newest


def test_viewer_page_carries_the_watermark_agenda_and_no_inline_script(room: Room) -> None:
    user = room.member.user
    page = client_for(user).get(view_url(room.public_paper)).content.decode()
    assert user.full_name in page
    assert room.meeting.title in page
    assert 'id="viewer-config"' in page
    assert reverse("cabinet:paper_file", args=[room.public_paper.pk, 1]) in page
    # The agenda panel lists what the member may see, not the restricted item's paper.
    assert "Báo cáo chuyển đổi số" in page
    assert "Tờ trình nhân sự" not in page
    # Every <script> is external or a JSON data block (ready for a Content-Security-Policy).
    for chunk in page.split("<script")[1:]:
        tag = chunk.split(">", 1)[0]
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_latest_redirects_to_the_current_version(room: Room) -> None:
    add_version(room.public_paper, pages=2)
    response = client_for(room.member.user).get(
        reverse("cabinet:paper_latest", args=[room.public_paper.pk])
    )
    assert response.status_code == 302
    assert response["Location"] == view_url(room.public_paper, 2)
    outsider = client_for(room.outsider).get(
        reverse("cabinet:paper_latest", args=[room.public_paper.pk])
    )
    assert outsider.status_code == 404


def test_storing_the_page_for_offline_reading_is_not_reading_it(room: Room) -> None:
    client = client_for(room.member.user)
    response = client.get(view_url(room.public_paper), headers={"X-Offline-Prefetch": "1"})
    assert response.status_code == 200
    assert not PaperRead.objects.filter(user=room.member.user).exists()
    assert not MeetingEvent.objects.filter(type="paper.viewed").exists()


# --- Search -------------------------------------------------------------------------------------------


def test_fold_removes_vietnamese_diacritics_and_case() -> None:
    assert fold("Đầu tư CÔNG ở Đường Láng") == "dau tu cong o duong lang"
    assert fold("Quyết định") == fold("quyet dinh")


def test_search_pages_keeps_the_original_text_in_snippets() -> None:
    hits = search_pages(
        [(1, "Không có gì"), (2, "Kế hoạch đầu tư\ncông năm 2027")], "dau tu cong", limit=5
    )
    assert [(h.page, h.match) for h in hits] == [(2, "đầu tư\ncông")]
    assert "đầu tư công năm 2027" in hits[0].snippet


def test_search_is_accent_and_case_insensitive_and_finds_the_right_page(room: Room) -> None:
    paper = attach(
        room.meeting,
        room.public_item,
        title="Dự thảo kế hoạch",
        upload=pdf_upload(
            content=pages_pdf(
                "Trang mở đầu về chuyển đổi số.",
                "Giao chi tiết kế hoạch đầu tư công năm 2027 nguồn vốn ngân sách Thành phố.",
                "Tổ chức thực hiện.",
            )
        ),
    )
    url = reverse("cabinet:paper_search", args=[paper.pk, 1])
    client = client_for(room.member.user)
    for query in ("dau tu cong", "ĐẦU TƯ CÔNG", "Đầu  tư   công"):
        data = client.get(url, {"q": query}).json()
        assert [hit["page"] for hit in data["hits"]] == [2], query
        assert "đầu tư công" in data["hits"][0]["snippet"]
    assert client.get(url, {"q": "ngan sach thanh pho"}).json()["hits"][0]["page"] == 2
    assert client.get(url, {"q": "khong co dau"}).json()["hits"] == []


def test_search_refuses_a_too_short_query_in_vietnamese(room: Room) -> None:
    url = reverse("cabinet:paper_search", args=[room.public_paper.pk, 1])
    response = client_for(room.member.user).get(url, {"q": " đ "})
    assert response.status_code == 400
    assert "ký tự" in response.json()["error"]


def test_search_caps_the_number_of_hits() -> None:
    hits = search_pages([(n, "xa " * 100) for n in range(1, 5)], "xa", limit=50)
    assert len(hits) == 50


# --- Offline reading -----------------------------------------------------------------------------------


def manifest(room: Room, user: User | None) -> _MonkeyPatchedWSGIResponse:
    return client_for(user).post(reverse("cabinet:offline_manifest", args=[room.meeting.pk]))


def test_manifest_lists_only_the_papers_the_user_may_read(room: Room) -> None:
    response = manifest(room, room.member.user)
    assert response.status_code == 200
    data = response.json()
    assert data["meeting"] == room.meeting.pk
    assert data["cache"] == f"offline-u{room.member.user.pk}-m{room.meeting.pk}"
    urls = set(data["urls"])
    assert reverse("cabinet:meeting", args=[room.meeting.pk]) in urls
    for paper in (room.public_paper, room.guest_paper, room.meeting_paper):
        assert view_url(paper) in urls
        assert reverse("cabinet:paper_file", args=[paper.pk, 1]) in urls
    assert not any(f"/papers/{room.restricted_paper.pk}/" in url for url in urls)
    assert any(url.endswith("pdf.worker.min.mjs") for url in urls)
    assert any(url.endswith("cabinet/js/viewer/main.js") for url in urls)


def test_manifest_follows_the_current_version_and_records_each_paper(room: Room) -> None:
    add_version(room.public_paper, pages=2)
    urls = set(manifest(room, room.guest.user).json()["urls"])
    assert view_url(room.guest_paper) in urls
    assert view_url(room.public_paper, 2) not in urls  # the guest is not on that item
    member_urls = set(manifest(room, room.member.user).json()["urls"])
    assert reverse("cabinet:paper_file", args=[room.public_paper.pk, 2]) in member_urls
    assert reverse("cabinet:paper_file", args=[room.public_paper.pk, 1]) not in member_urls
    events = MeetingEvent.objects.filter(type="paper.cached_offline", actor=room.member.user)
    assert {(e.payload["paper"], e.payload["version"]) for e in events} == {
        (room.public_paper.pk, 2),
        (room.guest_paper.pk, 1),
        (room.meeting_paper.pk, 1),
    }
    assert all(e.seq is None for e in events)


def test_manifest_is_refused_to_outsiders_and_to_get(room: Room) -> None:
    assert manifest(room, room.outsider).status_code == 404
    url = reverse("cabinet:offline_manifest", args=[room.meeting.pk])
    assert client_for(room.member.user).get(url).status_code == 405
    assert Client().post(url).status_code == 302  # to the login page


def test_service_worker_is_served_from_the_root_uncached() -> None:
    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    assert b'addEventListener("fetch"' in response.content


def test_logout_tells_the_browser_to_forget_cached_papers(room: Room) -> None:
    client = client_for(room.member.user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "_auth_user_id" not in client.session


def test_latest_of_a_paper_still_processing_takes_the_secretary_back_to_the_meeting(
    room: Room,
) -> None:
    # Not captured: the processing task never runs and the only version stays queued.
    queued = paper_services.attach_paper(
        actor=secretary_of(room.meeting),
        meeting=room.meeting,
        agenda_item=None,
        title="Đang chờ",
        kind="report",
        upload=pdf_upload(3),
    )
    response = client_for(room.secretary).get(reverse("cabinet:paper_latest", args=[queued.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("cabinet:meeting", args=[room.meeting.pk])
    member = client_for(room.member.user).get(reverse("cabinet:paper_latest", args=[queued.pk]))
    assert member.status_code == 404


def test_latest_answers_json_to_the_open_viewer(room: Room) -> None:
    client = client_for(room.member.user)
    url = reverse("cabinet:paper_latest", args=[room.public_paper.pk])
    assert client.get(url, headers={"Accept": "application/json"}).json() == {
        "paper": room.public_paper.pk,
        "version": 1,
    }
    add_version(room.public_paper, pages=2)
    assert client.get(url, headers={"Accept": "application/json"}).json()["version"] == 2
    assert not MeetingEvent.objects.filter(type="paper.viewed").exists()
    restricted = reverse("cabinet:paper_latest", args=[room.restricted_paper.pk])
    assert client.get(restricted, headers={"Accept": "application/json"}).status_code == 404
