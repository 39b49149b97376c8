"""Who sees what: each role against each view. Non-participants get 404 (no existence leak);
participants who may see a meeting but not manage it get 403 on the secretary's screens."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cabinet.meetings.services import meetings as meeting_services
from tests.factories import Room, add_item, invite, make_meeting, secretary_of

pytestmark = pytest.mark.django_db

ROLES = [
    "secretary",
    "chair",
    "member",
    "listed_member",
    "guest",
    "observer",
    "outsider",
    "anonymous",
]


@pytest.fixture
def room() -> Room:
    return Room()


def client_for(room: Room, role: str) -> Client:
    client = Client()
    user = room.user(role)
    if user is not None:
        client.force_login(user)
    return client


def status(room: Room, role: str, url: str) -> int:
    response = client_for(room, role).get(url)
    if response.status_code == 302:
        assert "/login/" in response["Location"]
    return response.status_code


def expect(matrix: dict[str, int], room: Room, url: str) -> None:
    got = {role: status(room, role, url) for role in ROLES}
    assert got == matrix


def test_meeting_page(room: Room) -> None:
    url = reverse("cabinet:meeting", args=[room.meeting.pk])
    expect(
        {
            "secretary": 200,
            "chair": 200,
            "member": 200,
            "listed_member": 200,
            "guest": 200,
            "observer": 200,
            "outsider": 404,
            "anonymous": 302,
        },
        room,
        url,
    )


@pytest.mark.parametrize(
    "name",
    ["cabinet:meeting_edit", "cabinet:participants", "cabinet:agenda", "cabinet:paper_upload"],
)
def test_secretary_screens(room: Room, name: str) -> None:
    url = reverse(name, args=[room.meeting.pk])
    expect(
        {
            "secretary": 200,
            "chair": 403,
            "member": 403,
            "listed_member": 403,
            "guest": 403,
            "observer": 403,
            "outsider": 404,
            "anonymous": 302,
        },
        room,
        url,
    )


@pytest.mark.parametrize(
    ("paper", "matrix"),
    [
        (
            "public_paper",
            {"guest": 404, "member": 200, "listed_member": 200, "observer": 200},
        ),
        (
            "restricted_paper",
            {"guest": 404, "member": 404, "listed_member": 200, "observer": 404},
        ),
        (
            "guest_paper",
            {"guest": 200, "member": 200, "listed_member": 200, "observer": 200},
        ),
        (
            "meeting_paper",
            {"guest": 404, "member": 200, "listed_member": 200, "observer": 200},
        ),
    ],
)
def test_paper_file(room: Room, paper: str, matrix: dict[str, int]) -> None:
    url = reverse("cabinet:paper_file", args=[getattr(room, paper).pk, 1])
    full = {"secretary": 200, "chair": 200, "outsider": 404, "anonymous": 302} | matrix
    expect(full, room, url)


def test_a_version_that_does_not_exist_is_404_even_for_the_secretary(room: Room) -> None:
    url = reverse("cabinet:paper_file", args=[room.public_paper.pk, 2])
    assert status(room, "secretary", url) == 404


def test_meeting_page_lists_only_the_items_and_papers_the_viewer_may_see(room: Room) -> None:
    url = reverse("cabinet:meeting", args=[room.meeting.pk])
    pages = {role: client_for(room, role).get(url).content.decode() for role in ROLES[:6]}
    for role, page in pages.items():
        sees_public = role != "guest"
        sees_restricted = role in {"secretary", "chair", "listed_member"}
        assert ("Báo cáo chuyển đổi số" in page) == sees_public, role
        assert ("Tờ trình nhân sự" in page) == sees_restricted, role
        assert "Dự thảo quy chế" in page, role  # everyone but outsiders sees the guest's item


def test_draft_meeting_is_visible_only_to_its_chair_and_secretaries() -> None:
    meeting = make_meeting()
    chair = invite(meeting, "chair").user
    member = invite(meeting, "member").user
    add_item(meeting)
    url = reverse("cabinet:meeting", args=[meeting.pk])
    for user, code in [(secretary_of(meeting), 200), (chair, 200), (member, 404)]:
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == code
    meeting_services.publish_meeting(actor=secretary_of(meeting), meeting=meeting)
    client = Client()
    client.force_login(member)
    assert client.get(url).status_code == 200


def test_my_meetings_lists_only_my_meetings(room: Room) -> None:
    other = make_meeting(title="Cuộc họp khác của Sở Xây dựng")
    url = reverse("cabinet:home")
    page = client_for(room, "member").get(url).content.decode()
    assert room.meeting.title in page
    assert other.title not in page
    assert room.meeting.title not in client_for(room, "outsider").get(url).content.decode()


@pytest.mark.parametrize("action", ["publish", "start", "end"])
def test_lifecycle_buttons_are_forbidden_to_members(room: Room, action: str) -> None:
    url = reverse("cabinet:meeting_transition", args=[room.meeting.pk, action])
    assert client_for(room, "member").post(url).status_code == 403
    assert client_for(room, "outsider").post(url).status_code == 404


def test_only_users_with_the_organizer_permission_may_create_meetings(room: Room) -> None:
    url = reverse("cabinet:meeting_create")
    assert client_for(room, "secretary").get(url).status_code == 200
    assert client_for(room, "chair").get(url).status_code == 403


def test_pages_are_vietnamese_whatever_the_browser_asks_until_english_is_chosen(room: Room) -> None:
    client = client_for(room, "member")
    url = reverse("cabinet:home")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Cuộc họp của tôi" in page
    client.post(reverse("set_language"), {"language": "en", "next": url})
    assert "My meetings" in client.get(url).content.decode()
