"""The organiser's agenda editor (issue 19, point 11): a restricted item carries a visible mark
with its audience on hover, and the audience checklist's label heads its checkboxes."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import add_item, invite, make_meeting, secretary_of

pytestmark = pytest.mark.django_db


def editor_rows(page: str) -> dict[str, str]:
    """Each row of the editor by its item's title."""
    rows = [row.split("</div>")[0] for row in page.split('<div class="editor-row">')[1:]]
    return {re.search(r"<strong>([^<]+)</strong>", row).group(1): row for row in rows}  # type: ignore[union-attr]


def test_a_restricted_item_is_marked_with_its_audience_on_hover() -> None:
    meeting = make_meeting()
    finance = invite(meeting, "member", full_name="Trịnh Quang Vinh")
    interior = invite(meeting, "member", full_name="Đặng Minh Quân")
    invite(meeting, "member", full_name="Lê Thị Hồng Nhung")
    add_item(meeting, "Công tác cán bộ", restricted=True, audience=[finance, interior])
    add_item(meeting, "Dự toán ngân sách")
    client = Client()
    client.force_login(secretary_of(meeting))

    rows = editor_rows(client.get(reverse("cabinet:agenda", args=[meeting.pk])).content.decode())

    mark = re.search(
        r'<span class="tag tag-restricted" title="([^"]*)">(?:<span[^>]*>[^<]*</span>)?([^<]*)</span>',
        rows["Công tác cán bộ"],
    )  # the icon is a span of its own, hidden from screen readers
    assert mark is not None
    assert mark.group(2).strip() == "Hạn chế"
    assert mark.group(1) == "Chỉ những người này được xem: Đặng Minh Quân, Trịnh Quang Vinh"
    assert "Hạn chế" not in rows["Dự toán ngân sách"]


def test_the_audience_checklists_label_heads_its_checkboxes() -> None:
    meeting = make_meeting()
    invite(meeting, "member", full_name="Trịnh Quang Vinh")
    client = Client()
    client.force_login(secretary_of(meeting))
    page = client.get(reverse("cabinet:agenda", args=[meeting.pk])).content.decode()

    group = re.search(r"<fieldset[^>]*>\s*<legend>([^<]+)</legend>(.*?)</fieldset>", page, re.S)
    assert group is not None
    assert group.group(1).startswith("Người được mời riêng")
    assert 'name="audience"' in group.group(2)  # the checkboxes are inside, after the legend
