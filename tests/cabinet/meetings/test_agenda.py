"""Building the agenda: order, one level of nesting, reordering by buttons and by drag and drop."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from cabinet.core.errors import ServiceError
from cabinet.meetings.services import agenda as svc
from cabinet.models import AgendaItem, Meeting
from tests.factories import add_item, attach, make_meeting, secretary_of

pytestmark = pytest.mark.django_db


def titles(meeting: Meeting, parent: AgendaItem | None = None) -> list[str]:
    return list(
        AgendaItem.objects.filter(meeting=meeting, parent=parent)
        .order_by("position")
        .values_list("title", flat=True)
    )


def test_items_are_appended_in_order_and_sub_items_number_separately() -> None:
    meeting = make_meeting()
    first = add_item(meeting, "Khai mạc")
    add_item(meeting, "Dự toán ngân sách")
    add_item(meeting, "Dự toán thu", parent=first)
    add_item(meeting, "Dự toán chi", parent=first)
    assert titles(meeting) == ["Khai mạc", "Dự toán ngân sách"]
    assert titles(meeting, first) == ["Dự toán thu", "Dự toán chi"]
    assert list(first.children.order_by("position").values_list("position", flat=True)) == [1, 2]


def test_nesting_is_one_level_only() -> None:
    meeting = make_meeting()
    child = add_item(meeting, "Con", parent=add_item(meeting, "Cha"))
    with pytest.raises(ServiceError, match="một cấp"):
        add_item(meeting, "Cháu", parent=child)


def test_a_parent_from_another_meeting_is_refused() -> None:
    meeting, other = make_meeting(), make_meeting()
    with pytest.raises(ServiceError, match="không thuộc"):
        add_item(meeting, "Lạc", parent=add_item(other, "Của cuộc họp khác"))


def test_reorder_sets_the_exact_order_and_refuses_a_stale_list() -> None:
    meeting = make_meeting()
    a, b, c = (add_item(meeting, t) for t in "ABC")
    secretary = secretary_of(meeting)
    svc.reorder_agenda(
        actor=secretary, meeting=meeting, parent=None, ordered_ids=[c.pk, a.pk, b.pk]
    )
    assert titles(meeting) == ["C", "A", "B"]
    for stale in ([a.pk, b.pk], [a.pk, b.pk, c.pk, c.pk], [a.pk, a.pk, b.pk], [a.pk, b.pk, 999]):
        with pytest.raises(ServiceError, match="tải lại"):
            svc.reorder_agenda(actor=secretary, meeting=meeting, parent=None, ordered_ids=stale)
    assert titles(meeting) == ["C", "A", "B"]


def test_move_buttons_swap_neighbours_and_stop_at_the_ends() -> None:
    meeting = make_meeting()
    a, _, c = (add_item(meeting, t) for t in "ABC")
    secretary = secretary_of(meeting)
    svc.move_agenda_item(actor=secretary, item=c, offset=-1)
    assert titles(meeting) == ["A", "C", "B"]
    svc.move_agenda_item(actor=secretary, item=a, offset=-1)  # already first
    assert titles(meeting) == ["A", "C", "B"]
    svc.move_agenda_item(actor=secretary, item=a, offset=1)
    assert titles(meeting) == ["C", "A", "B"]


def test_removing_an_item_renumbers_and_never_deletes_papers() -> None:
    meeting = make_meeting()
    a, b, _ = (add_item(meeting, t) for t in "ABC")
    attach(meeting, b)
    secretary = secretary_of(meeting)
    with pytest.raises(ServiceError, match="còn tài liệu"):
        svc.remove_agenda_item(actor=secretary, item=b)
    svc.remove_agenda_item(actor=secretary, item=a)
    assert titles(meeting) == ["B", "C"]
    assert list(
        AgendaItem.objects.filter(meeting=meeting)
        .order_by("position")
        .values_list("position", flat=True)
    ) == [1, 2]


def test_drag_and_drop_endpoint_reorders_and_reports_conflicts() -> None:
    meeting = make_meeting()
    a, b = add_item(meeting, "A"), add_item(meeting, "B")
    client = Client(enforce_csrf_checks=False)
    client.force_login(secretary_of(meeting))
    url = reverse("cabinet:agenda_reorder", args=[meeting.pk])
    ok = client.post(url, json.dumps({"parent": None, "order": [b.pk, a.pk]}), "application/json")
    assert ok.status_code == 200
    assert titles(meeting) == ["B", "A"]
    stale = client.post(url, json.dumps({"parent": None, "order": [a.pk]}), "application/json")
    assert stale.status_code == 409
    assert "tải lại" in stale.json()["error"]
    garbage = client.post(url, "not json", "application/json")
    assert garbage.status_code == 400


def test_agenda_changes_need_a_csrf_token() -> None:
    meeting = make_meeting()
    item = add_item(meeting, "A")
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretary_of(meeting))
    url = reverse("cabinet:agenda_item_move", args=[meeting.pk, item.pk])
    assert client.post(url, {"direction": "up"}).status_code == 403
