"""Lists of people in protocol order (issue 19, point 9): the chair, the committee's vice-chairs,
the members, then guests, secretaries and observers; within a rank, the names in Vietnamese
alphabetical order (Đặng, Đinh, Đỗ before Trịnh, not after it). And the invite form proposes a
member, not a chair."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from cabinet.live.snapshot import snapshot_for
from cabinet.models import Meeting, Participant, User
from tests.factories import invite, make_meeting, make_unit, secretary_of

pytestmark = pytest.mark.django_db


def staffed_meeting() -> tuple[Meeting, Participant]:
    """A meeting whose people were invited in no particular order; returns it and its chair."""
    meeting = make_meeting()
    User.objects.filter(pk=secretary_of(meeting).pk).update(full_name="Đỗ Thị Minh Ngọc")
    committee = make_unit(kind="committee", name="Ủy ban nhân dân Thành phố")
    ward = make_unit(kind="ward", name="UBND phường Cửa Nam")
    invite(meeting, "observer", full_name="Ngô Thanh Bình")
    invite(meeting, "member", full_name="Trịnh Quang Vinh", position="Giám đốc Sở Tài chính")
    invite(meeting, "guest", full_name="Bùi Thị Lan Phương", position="Phó Chủ tịch", unit=ward)
    invite(meeting, "member", full_name="Đinh Công Sơn", position="Giám đốc Công an Thành phố")
    invite(
        meeting,
        "member",
        full_name="Nguyễn Thị Thu Hà",
        position="Phó Chủ tịch UBND Thành phố",
        unit=committee,
    )
    invite(meeting, "member", full_name="Đặng Minh Quân", position="Giám đốc Sở KH&CN")
    invite(
        meeting,
        "member",
        full_name="Nghiêm Xuân Trường",
        position="Phó Chủ tịch UBND phường Hoàn Kiếm",  # a ward's, not the committee's
        unit=ward,
    )
    invite(meeting, "member", full_name="Dương Văn Tú", position="Giám đốc Sở Y tế")
    invite(
        meeting, "member", full_name="Lê Hồng Sơn", position="Phó Chủ tịch UBND TP", unit=committee
    )
    chair = invite(
        meeting, "chair", full_name="Phạm Đức Toàn", position="Chủ tịch UBND", unit=committee
    )
    return meeting, chair


EXPECTED = [
    "Phạm Đức Toàn",  # chair
    "Lê Hồng Sơn",  # the committee's vice-chairs, by name
    "Nguyễn Thị Thu Hà",
    "Dương Văn Tú",  # members: D, Đ (Đặng, Đinh), N, T
    "Đặng Minh Quân",
    "Đinh Công Sơn",
    "Nghiêm Xuân Trường",
    "Trịnh Quang Vinh",
    "Bùi Thị Lan Phương",  # guest
    "Đỗ Thị Minh Ngọc",  # secretary
    "Ngô Thanh Bình",  # observer
]


def test_the_participants_page_lists_people_in_protocol_then_vietnamese_order() -> None:
    meeting, _chair = staffed_meeting()
    client = Client()
    client.force_login(secretary_of(meeting))
    page = client.get(reverse("cabinet:participants", args=[meeting.pk])).content.decode()
    table = page[page.index("<tbody>") : page.index("</tbody>")]
    assert re.findall(r"<strong>([^<]+)</strong>", table) == EXPECTED


def test_the_consoles_attendance_list_has_the_same_order() -> None:
    _meeting, chair = staffed_meeting()
    assert [p["name"] for p in snapshot_for(chair)["participants"]] == EXPECTED


def test_the_invite_form_proposes_a_member_not_the_chair() -> None:
    meeting = make_meeting()
    client = Client()
    client.force_login(secretary_of(meeting))
    page = client.get(reverse("cabinet:participants", args=[meeting.pk])).content.decode()
    role_select = re.search(r'<select name="role"[^>]*>(.*?)</select>', page, re.S)
    assert role_select is not None
    selected = re.findall(r'<option value="(\w+)"[^>]*selected', role_select.group(1))
    assert selected == ["member"]
