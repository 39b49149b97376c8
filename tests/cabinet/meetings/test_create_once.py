"""Create forms submitted twice (Back, then the form sent again; a double click) create once, and
text longer than a field allows is refused with a message, never cut."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from cabinet.models import AgendaItem, Meeting, Unit, User
from tests.factories import make_meeting, make_unit, make_user, secretary_of

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def _token(page: str) -> str:
    found = TOKEN.search(page)
    assert found, "the form carries a one-time token"
    return found.group(1)


def _meeting_data(unit: Unit, title: str = "Phiên họp thường kỳ tháng 12") -> dict[str, str]:
    return {
        "title": title,
        "kind": "regular",
        "location": "Phòng họp số 1",
        "starts_at": "2030-12-10T08:00",
        "ends_at": "2030-12-10T11:00",
        "organizer_unit": str(unit.pk),
        "description": "",
    }


@pytest.fixture
def organizer() -> User:
    return make_user(organizer=True)


def test_the_same_new_meeting_form_sent_twice_creates_one_meeting(
    client: Client, organizer: User
) -> None:
    client.force_login(organizer)
    url = reverse("cabinet:meeting_create")
    data = _meeting_data(make_unit()) | {"form_token": _token(client.get(url).content.decode())}

    first = client.post(url, data)
    assert first.status_code == 302
    meeting = Meeting.objects.get()
    assert first["Location"] == reverse("cabinet:meeting", args=[meeting.pk])

    again = client.post(url, data, follow=True)  # Back, then "Tạo cuộc họp" once more
    assert Meeting.objects.count() == 1
    assert again.redirect_chain[0][0] == reverse("cabinet:meeting", args=[meeting.pk])
    assert "đã được tạo từ lần gửi trước" in again.content.decode()


def test_each_new_meeting_form_gets_its_own_token(client: Client, organizer: User) -> None:
    client.force_login(organizer)
    url = reverse("cabinet:meeting_create")
    unit = make_unit()
    for title in ("Họp giao ban tuần 1", "Họp giao ban tuần 2"):
        token = _token(client.get(url).content.decode())
        assert (
            client.post(url, _meeting_data(unit, title) | {"form_token": token}).status_code == 302
        )
    assert sorted(Meeting.objects.values_list("title", flat=True)) == [
        "Họp giao ban tuần 1",
        "Họp giao ban tuần 2",
    ]


def test_a_refused_form_keeps_its_token_so_the_corrected_one_creates_once(
    client: Client, organizer: User
) -> None:
    client.force_login(organizer)
    url = reverse("cabinet:meeting_create")
    token = _token(client.get(url).content.decode())
    data = _meeting_data(make_unit()) | {"form_token": token}
    refused = client.post(url, data | {"ends_at": "2030-12-10T07:00"})
    assert refused.status_code == 200
    assert _token(refused.content.decode()) == token
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Meeting.objects.count() == 1


def test_a_token_is_one_users_own(client: Client, organizer: User) -> None:
    """Another organiser who somehow sends the same token still creates their own meeting."""
    client.force_login(organizer)
    url = reverse("cabinet:meeting_create")
    data = _meeting_data(make_unit()) | {"form_token": _token(client.get(url).content.decode())}
    client.post(url, data)
    other = Client()
    other.force_login(make_user(organizer=True))
    other.post(url, data)
    assert Meeting.objects.count() == 2


def test_a_title_longer_than_300_characters_is_refused_with_a_message_not_cut(
    client: Client, organizer: User
) -> None:
    client.force_login(organizer)
    url = reverse("cabinet:meeting_create")
    page = client.get(url).content.decode()
    # The browser must not cut a pasted title silently: no maxlength on the field.
    title_input = re.search(r'<input[^>]*name="title"[^>]*>', page)
    assert title_input
    assert "maxlength" not in title_input.group(0)
    title = "Phiên họp " + "x" * 304
    assert len(title) == 314
    response = client.post(url, _meeting_data(make_unit(), title) | {"form_token": _token(page)})
    assert response.status_code == 200
    text = response.content.decode()
    assert "tối đa 300 ký tự" in text
    assert "314" in text
    assert title in text  # what was typed comes back whole, to be shortened by its author
    assert not Meeting.objects.exists()


def test_the_same_agenda_item_sent_twice_is_added_once(client: Client) -> None:
    meeting = make_meeting()
    client.force_login(secretary_of(meeting))
    url = reverse("cabinet:agenda", args=[meeting.pk])
    data = {
        "title": "Báo cáo tình hình kinh tế - xã hội",
        "planned_minutes": "20",
        "form_token": _token(client.get(url).content.decode()),
    }
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert AgendaItem.objects.filter(meeting=meeting).count() == 1
    assert "đã được thêm từ lần gửi trước" in again.content.decode()


def test_an_agenda_item_title_over_the_limit_is_refused(client: Client) -> None:
    meeting = make_meeting()
    client.force_login(secretary_of(meeting))
    url = reverse("cabinet:agenda", args=[meeting.pk])
    page = client.get(url).content.decode()
    response = client.post(
        url, {"title": "y" * 301, "planned_minutes": "20", "form_token": _token(page)}
    )
    assert "tối đa 300 ký tự" in response.content.decode()
    assert not AgendaItem.objects.filter(meeting=meeting).exists()
