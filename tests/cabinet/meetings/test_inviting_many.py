"""Inviting many at once (issue 19, point 9): a whole invitation group ("Giám đốc các Sở"), or
the participants of an earlier meeting the same secretary prepared, through the participants page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import InvitationGroup, Meeting, User
from tests.factories import add_item, invite, make_meeting, make_user, secretary_of

pytestmark = pytest.mark.django_db


def secretary_client(meeting: Meeting) -> Client:
    client = Client()
    client.force_login(secretary_of(meeting))
    return client


def roles(meeting: Meeting) -> dict[str, tuple[str, bool]]:
    return {
        p.user.full_name: (p.role, p.can_vote)
        for p in meeting.participants.select_related("user").exclude(role="secretary")
    }


def field_has_error(page: str, field_id: str) -> bool:
    """The form shows an error on this field (cabinet/_form_fields.html)."""
    return re.search(rf'class="field has-error[^"]*">\s*<label for="{field_id}"', page) is not None


def shown_messages(page: str) -> str:
    return " ".join(page.split())


def test_a_group_is_invited_at_once_as_members_skipping_those_already_there() -> None:
    meeting = make_meeting()
    directors = InvitationGroup.objects.create(name="Giám đốc các Sở")
    already = invite(meeting, "guest", full_name="Trịnh Quang Vinh").user
    locked = make_user(full_name="Lê Thị Hồng Nhung", is_active=False)
    represented = make_user(full_name="Phan Thị Thanh Huyền")
    meeting_services.invite_participant(
        actor=secretary_of(meeting),
        meeting=meeting,
        user=make_user(full_name="Lương Văn Khải"),
        role="member",
        can_vote=True,
        substitute_for=represented,
    )
    new = [make_user(full_name="Đặng Minh Quân"), make_user(full_name="Tạ Văn Lộc")]
    directors.members.add(already, locked, represented, *new)
    client = secretary_client(meeting)
    url = reverse("cabinet:participants", args=[meeting.pk])

    form_page = client.get(url).content.decode()
    assert "Giám đốc các Sở (4 người)" in form_page  # the locked account is not counted
    response = client.post(
        url,
        {
            "action": "group",
            "group-group": directors.pk,
            "group-role": "member",
            "group-can_vote": "on",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][1] == 302
    assert roles(meeting) == {
        "Trịnh Quang Vinh": ("guest", False),  # kept as invited before
        "Lương Văn Khải": ("member", True),
        "Đặng Minh Quân": ("member", True),
        "Tạ Văn Lộc": ("member", True),
    }
    page = shown_messages(response.content.decode())
    assert "Đã mời 2 người." in page
    assert "Trịnh Quang Vinh (đã có trong thành phần)" in page
    assert "Lê Thị Hồng Nhung (tài khoản đã bị khóa)" in page
    assert "Phan Thị Thanh Huyền (đã có người dự thay)" in page


def test_a_group_is_never_invited_as_chair() -> None:
    meeting = make_meeting()
    group = InvitationGroup.objects.create(name="Thành viên UBND Thành phố")
    group.members.add(make_user(), make_user())
    response = secretary_client(meeting).post(
        reverse("cabinet:participants", args=[meeting.pk]),
        {"action": "group", "group-group": group.pk, "group-role": "chair"},
    )
    assert response.status_code == 200
    assert field_has_error(response.content.decode(), "id_group-role")
    assert roles(meeting) == {}


def test_the_participants_of_an_earlier_meeting_are_copied_with_their_roles_and_votes() -> None:
    secretary = make_user(organizer=True, full_name="Đỗ Thị Minh Ngọc")
    earlier = make_meeting(secretary=secretary, title="Phiên họp tháng 5")
    meeting = make_meeting(secretary=secretary, title="Phiên họp tháng 6")
    invite(earlier, "chair", full_name="Phạm Đức Toàn")
    invite(earlier, "member", full_name="Vũ Đăng Khoa", can_vote=False)
    invite(earlier, "guest", full_name="Bùi Thị Lan Phương")
    invite(earlier, "observer", full_name="Ngô Thanh Bình")
    absent_director = make_user(full_name="Phan Thị Thanh Huyền")
    meeting_services.invite_participant(
        actor=secretary,
        meeting=earlier,
        user=make_user(full_name="Lương Văn Khải"),
        role="member",
        can_vote=True,
        substitute_for=absent_director,
    )
    both = invite(earlier, "member", full_name="Đinh Công Sơn").user
    meeting_services.invite_participant(
        actor=secretary, meeting=meeting, user=both, role="guest", can_vote=False
    )
    client = secretary_client(meeting)
    url = reverse("cabinet:participants", args=[meeting.pk])

    assert "Phiên họp tháng 5 (7 người)" in client.get(url).content.decode()
    response = client.post(url, {"action": "copy", "copy-source": earlier.pk}, follow=True)

    assert roles(meeting) == {
        "Phạm Đức Toàn": ("chair", True),
        "Vũ Đăng Khoa": ("member", False),
        "Bùi Thị Lan Phương": ("guest", False),
        "Ngô Thanh Bình": ("observer", False),
        # Lương Văn Khải stood in for her at the earlier meeting only: she is the one invited.
        "Phan Thị Thanh Huyền": ("member", True),
        "Đinh Công Sơn": ("guest", False),  # already invited: left as it was
    }
    page = shown_messages(response.content.decode())
    assert "Đã mời 5 người." in page
    assert "Đinh Công Sơn (đã có trong thành phần)" in page
    assert "Đỗ Thị Minh Ngọc (" not in page  # the secretary copying is not news


def test_a_second_chair_is_not_copied() -> None:
    secretary = make_user(organizer=True)
    earlier, meeting = make_meeting(secretary=secretary), make_meeting(secretary=secretary)
    invite(earlier, "chair", full_name="Phạm Đức Toàn")
    invite(meeting, "chair", full_name="Nguyễn Thị Thu Hà")
    response = secretary_client(meeting).post(
        reverse("cabinet:participants", args=[meeting.pk]),
        {"action": "copy", "copy-source": earlier.pk},
        follow=True,
    )
    assert roles(meeting) == {"Nguyễn Thị Thu Hà": ("chair", True)}
    assert "Phạm Đức Toàn (cuộc họp đã có người chủ trì)" in shown_messages(
        response.content.decode()
    )


def test_only_meetings_the_secretary_prepares_can_be_copied() -> None:
    meeting = make_meeting()
    secretary = secretary_of(meeting)
    elsewhere = make_meeting(title="Họp của Văn phòng khác")  # another secretary's
    meeting_services.invite_participant(
        actor=secretary_of(elsewhere),
        meeting=elsewhere,
        user=secretary,
        role="member",
        can_vote=True,
    )
    invite(elsewhere, "member", full_name="Người của cuộc họp khác")
    client = secretary_client(meeting)
    url = reverse("cabinet:participants", args=[meeting.pk])
    assert "Họp của Văn phòng khác" not in client.get(url).content.decode()
    response = client.post(url, {"action": "copy", "copy-source": elsewhere.pk})
    assert response.status_code == 200
    assert field_has_error(response.content.decode(), "id_copy-source")
    assert roles(meeting) == {}


def test_only_the_meetings_secretary_may_invite_a_group_or_copy() -> None:
    meeting = make_meeting()
    member = make_user(organizer=True)  # a secretary elsewhere, a member here
    meeting_services.invite_participant(
        actor=secretary_of(meeting), meeting=meeting, user=member, role="member", can_vote=True
    )
    invite(meeting, "chair")
    add_item(meeting)
    meeting_services.publish_meeting(actor=secretary_of(meeting), meeting=meeting)
    group = InvitationGroup.objects.create(name="Giám đốc các Sở")
    group.members.add(make_user())
    client = Client()
    client.force_login(member)
    url = reverse("cabinet:participants", args=[meeting.pk])
    for data in (
        {"action": "group", "group-group": group.pk, "group-role": "member"},
        {"action": "copy", "copy-source": make_meeting(secretary=member).pk},
    ):
        assert client.post(url, data).status_code == 403
    assert User.objects.filter(participations__meeting=meeting).count() == 3  # no one added
