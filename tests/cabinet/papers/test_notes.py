"""Private notes: the viewer's JSON API, and notes that follow a paper into its new versions."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.urls import reverse

from cabinet.core.errors import ServiceError
from cabinet.models import AnchorStatus, PageText, Paper, PaperNote, User
from cabinet.papers.services import notes as note_services
from tests.factories import Room, add_version, attach
from tests.factories.papers import text_pdf_upload

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db

KEPT = "Điều 1. Phê duyệt kế hoạch chuyển đổi số năm 2026 của thành phố."
MOVED = "Điều 2. Kinh phí thực hiện là 120 tỷ đồng từ nguồn ngân sách thành phố."
GONE = "Điều 3. Giao Sở Khoa học và Công nghệ làm đầu mối tổng hợp báo cáo."
OTHER = "Điều 4. Quyết định có hiệu lực kể từ ngày ký ban hành."
NEW_TEXT = "Phụ lục. Danh mục các dự án ưu tiên trong giai đoạn 2026 - 2030."


@pytest.fixture
def room() -> Room:
    return Room()


@pytest.fixture
def paper(room: Room) -> Paper:
    return attach(
        room.meeting, room.public_item, upload=text_pdf_upload([KEPT + "\n" + MOVED, GONE])
    )


def list_url(paper: Paper) -> str:
    return reverse("cabinet:note_list", args=[paper.pk])


def detail_url(paper: Paper, note_id: int) -> str:
    return reverse("cabinet:note_detail", args=[paper.pk, note_id])


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(
    client: Client, url: str, data: Any, method: str = "post"
) -> _MonkeyPatchedWSGIResponse:
    send: Callable[..., _MonkeyPatchedWSGIResponse] = getattr(client, method)
    return send(url, data=json.dumps(data), content_type="application/json")


def note_data(**fields: Any) -> dict[str, Any]:
    data = {
        "version": 1,
        "page": 1,
        "quote": "kế hoạch chuyển đổi số",
        "prefix": "Điều 1. Phê duyệt ",
        "suffix": " năm 2026",
        "start": 19,
        "end": 41,
        "body": "Cần làm rõ lộ trình.",
        "color": "green",
    }
    return data | fields


def test_a_member_creates_lists_edits_and_deletes_a_note(room: Room, paper: Paper) -> None:
    client = as_user(room.member.user)
    created = post_json(client, list_url(paper), note_data())
    assert created.status_code == 201
    note = created.json()["note"]
    assert note["quote"] == "kế hoạch chuyển đổi số"
    assert (note["version"], note["original_version"], note["page"]) == (1, 1, 1)
    assert (note["body"], note["color"]) == ("Cần làm rõ lộ trình.", "green")
    assert note["anchor_status"] == "anchored"
    assert note["created_at"]
    assert note["updated_at"]

    listed = client.get(list_url(paper)).json()["notes"]
    assert [n["id"] for n in listed] == [note["id"]]

    patched = post_json(client, detail_url(paper, note["id"]), {"body": "Đã rõ."}, "patch")
    assert patched.status_code == 200
    assert (patched.json()["note"]["body"], patched.json()["note"]["color"]) == ("Đã rõ.", "green")
    recolored = post_json(client, detail_url(paper, note["id"]), {"color": "pink"}, "patch")
    assert recolored.json()["note"]["color"] == "pink"
    assert PaperNote.objects.get(pk=note["id"]).body == "Đã rõ."

    assert client.delete(detail_url(paper, note["id"])).status_code == 204
    assert client.get(list_url(paper)).json() == {"notes": []}
    assert not PaperNote.objects.exists()


def test_notes_are_private_to_their_author(room: Room, paper: Paper) -> None:
    mine = post_json(as_user(room.member.user), list_url(paper), note_data()).json()["note"]
    other = as_user(room.chair.user)
    assert other.get(list_url(paper)).json() == {"notes": []}
    assert other.get(detail_url(paper, mine["id"])).status_code == 404
    assert (
        post_json(other, detail_url(paper, mine["id"]), {"body": "x"}, "patch").status_code == 404
    )
    assert other.delete(detail_url(paper, mine["id"])).status_code == 404
    assert PaperNote.objects.get(pk=mine["id"]).body == "Cần làm rõ lộ trình."


def test_people_who_cannot_read_the_paper_get_404(room: Room) -> None:
    restricted = attach(room.meeting, room.restricted_item, upload=text_pdf_upload([KEPT]))
    listed = as_user(room.listed_member.user)
    assert post_json(listed, list_url(restricted), note_data()).status_code == 201
    for user in (room.member.user, room.outsider):
        client = as_user(user)
        assert client.get(list_url(restricted)).status_code == 404
        assert post_json(client, list_url(restricted), note_data()).status_code == 404
    assert PaperNote.objects.count() == 1


def test_signed_out_requests_get_401_not_a_login_page(paper: Paper) -> None:
    response = Client().get(list_url(paper))
    assert response.status_code == 401
    assert "error" in response.json()


def test_wrong_methods_get_405(room: Room, paper: Paper) -> None:
    client = as_user(room.member.user)
    assert client.put(list_url(paper)).status_code == 405
    note = post_json(client, list_url(paper), note_data()).json()["note"]
    assert client.post(detail_url(paper, note["id"])).status_code == 405


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"quote": "   "}, "chọn đoạn"),
        ({"quote": "x" * 2001}, "2000"),
        ({"page": 3}, "trang"),
        ({"page": 0}, "trang"),
        ({"version": 9}, "Phiên bản"),
        ({"color": "purple"}, "Màu"),
        ({"body": "x" * 4001}, "4000"),
        ({"page": "1"}, "số nguyên"),
        ({"page": True}, "số nguyên"),
        ({"start": -1}, "Vị trí"),
        ({"quote": None}, "chọn đoạn"),
    ],
)
def test_invalid_notes_are_refused_with_a_vietnamese_message(
    room: Room, paper: Paper, fields: dict[str, Any], message: str
) -> None:
    response = post_json(as_user(room.member.user), list_url(paper), note_data(**fields))
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not PaperNote.objects.exists()


def test_malformed_and_oversized_bodies_are_refused(room: Room, paper: Paper) -> None:
    client = as_user(room.member.user)
    bad = client.post(list_url(paper), data="{not json", content_type="application/json")
    assert bad.status_code == 400
    assert "không hợp lệ" in bad.json()["error"]
    assert post_json(client, list_url(paper), [1, 2]).status_code == 400
    huge = post_json(client, list_url(paper), note_data(body="x" * 20_000))
    assert huge.status_code == 413
    assert not PaperNote.objects.exists()


def test_csrf_protection_stays_on(room: Room, paper: Paper) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(room.member.user)
    refused = post_json(client, list_url(paper), note_data())
    assert refused.status_code == 403
    token = "a" * 32
    client.cookies["csrftoken"] = token
    accepted = client.post(
        list_url(paper),
        data=json.dumps(note_data()),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 201


def test_only_the_author_may_change_a_note_in_the_service(room: Room, paper: Paper) -> None:
    note = note_services.create_note(
        user=room.member.user,
        paper=paper,
        version=paper.versions.get(),
        page=1,
        quote="Điều 1",
    )
    with pytest.raises(ServiceError):
        note_services.update_note(user=room.chair.user, note=note, body="x")
    with pytest.raises(ServiceError):
        note_services.delete_note(user=room.chair.user, note=note)
    assert PaperNote.objects.filter(pk=note.pk).exists()


def test_notes_follow_the_paper_into_its_new_version(room: Room, paper: Paper) -> None:
    """Page 1 keeps its first passage; the second moves to a new page 2; page 2's passage is
    dropped. Each note ends where its text is, and the one whose text is gone stays, flagged."""
    member = as_user(room.member.user)
    kept = post_json(member, list_url(paper), note_data(quote="kế hoạch chuyển đổi số")).json()
    moved = post_json(
        member,
        list_url(paper),
        note_data(
            quote="120 tỷ đồng từ nguồn ngân sách",
            prefix="Kinh phí thực hiện là ",
            suffix=" thành phố.",
            start=90,
            end=120,
        ),
    ).json()
    gone = post_json(
        member,
        list_url(paper),
        note_data(page=2, quote="làm đầu mối tổng hợp báo cáo", start=40, end=68),
    ).json()
    chair_note = post_json(
        as_user(room.chair.user), list_url(paper), note_data(quote="Phê duyệt kế hoạch")
    ).json()

    version2 = add_version(
        paper, upload=text_pdf_upload([KEPT + "\n" + NEW_TEXT, MOVED + "\n" + OTHER])
    )
    assert version2.is_ready
    assert PageText.objects.filter(version=version2).count() == 2

    notes = {n["id"]: n for n in member.get(list_url(paper)).json()["notes"]}
    assert len(notes) == 3
    kept_now = notes[kept["note"]["id"]]
    assert (kept_now["version"], kept_now["page"], kept_now["anchor_status"]) == (2, 1, "anchored")
    assert kept_now["original_version"] == 1

    moved_now = notes[moved["note"]["id"]]
    assert (moved_now["version"], moved_now["page"], moved_now["anchor_status"]) == (
        2,
        2,
        "anchored",
    )
    page2 = PageText.objects.get(version=version2, number=2).text
    assert page2[moved_now["start"] : moved_now["end"]] == "120 tỷ đồng từ nguồn ngân sách"

    gone_now = notes[gone["note"]["id"]]
    assert gone_now["anchor_status"] == "orphaned"
    assert gone_now["anchor_label"] == "Không còn trong bản mới"
    assert (gone_now["version"], gone_now["page"]) == (1, 2)
    assert gone_now["body"] == "Cần làm rõ lộ trình."

    # Every user's notes are re-anchored, and each still sees only their own.
    chair_now = PaperNote.objects.get(pk=chair_note["note"]["id"])
    assert (chair_now.version.number, chair_now.anchor_status) == (2, AnchorStatus.ANCHORED)

    # The version filter shows what belongs on each version's pages.
    on_v2 = member.get(list_url(paper), {"version": 2}).json()["notes"]
    assert {n["id"] for n in on_v2} == {kept["note"]["id"], moved["note"]["id"]}
    on_v1 = member.get(list_url(paper), {"version": 1}).json()["notes"]
    assert [n["id"] for n in on_v1] == [gone["note"]["id"]]


def test_an_orphaned_note_comes_back_when_its_text_does(room: Room, paper: Paper) -> None:
    member = as_user(room.member.user)
    gone = post_json(
        member, list_url(paper), note_data(page=2, quote="làm đầu mối tổng hợp báo cáo")
    ).json()["note"]
    add_version(paper, upload=text_pdf_upload([KEPT, OTHER]))
    assert PaperNote.objects.get(pk=gone["id"]).anchor_status == AnchorStatus.ORPHANED
    add_version(paper, upload=text_pdf_upload([KEPT, OTHER, GONE]))
    note = PaperNote.objects.get(pk=gone["id"])
    assert (note.anchor_status, note.version.number, note.page) == (AnchorStatus.ANCHORED, 3, 3)
    assert note.checked_version_number == 3


def test_a_slightly_edited_passage_keeps_its_note_on_the_new_wording(
    room: Room, paper: Paper
) -> None:
    member = as_user(room.member.user)
    note = post_json(
        member,
        list_url(paper),
        note_data(quote="Kinh phí thực hiện là 120 tỷ đồng từ nguồn ngân sách thành phố"),
    ).json()["note"]
    add_version(paper, upload=text_pdf_upload([KEPT + "\n" + MOVED.replace("120", "125"), GONE]))
    now = PaperNote.objects.get(pk=note["id"])
    assert now.anchor_status == AnchorStatus.ANCHORED
    assert now.version.number == 2
    assert "125 tỷ" in now.quote
