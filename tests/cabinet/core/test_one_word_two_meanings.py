"""A Vietnamese word with two meanings gets one English translation per meaning (msgctxt): the
viewer's "Trình bày" button (start presenting) read "Presented by" in English, because the
meeting page's "Trình bày: <unit>" shared its msgid; "Thời gian" and "Nội dung" were alike."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cabinet.meetings.forms import AgendaItemForm
from cabinet.records.documents.comments import comments_document
from cabinet.trust.views.security import AuditFilterForm
from tests.factories import Room, add_item, make_unit

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def test_the_viewer_button_says_present_and_the_meeting_page_says_presented_by() -> None:
    room = Room()
    add_item(room.meeting, "Đề án chuyển đổi số", presenter_unit=make_unit(name="Sở Nội vụ"))
    client = english(Client())
    client.force_login(room.secretary)

    viewer = client.get(reverse("cabinet:paper_view", args=[room.public_paper.pk, 1]))
    button = re.search(r'id="present-start"[^>]*>([^<]*)<', viewer.content.decode())
    assert button is not None
    assert button.group(1) == "Present"

    meeting = client.get(reverse("cabinet:meeting", args=[room.meeting.pk])).content.decode()
    assert "Presented by: Sở Nội vụ" in meeting


def test_a_time_column_and_a_search_field_are_not_dates_and_agenda_items() -> None:
    room = Room()
    with translation.override("en"):
        headings = [c.heading for c in comments_document(room.public_paper, []).columns]
        assert headings[-1] == "Time"
        assert str(AuditFilterForm().fields["q"].label) == "Text"
        assert str(AgendaItemForm(meeting=room.meeting).fields["title"].label) == "Agenda item"
