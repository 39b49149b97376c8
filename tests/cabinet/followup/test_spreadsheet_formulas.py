"""Text that starts like a formula stays text in every spreadsheet the app hands out: the tasks'
Excel export (downloaded and read back with openpyxl) and the audit CSV, one rule for both."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pytest_django.fixtures import Settings

from tests.factories import PASSWORD, make_meeting
from tests.factories.tasks import TaskWorld

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 11)

FORMULAS = ["\t=cmd|'/c calc'!A1", "\r=1+2", '=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"]


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    settings.HOLIDAYS = []
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def test_a_task_that_starts_like_a_formula_stays_text_in_the_excel_export(client: Client) -> None:
    world = TaskWorld()
    meeting = make_meeting(title="-1+2")
    for content in FORMULAS:
        world.task(world.finance, content=content, meeting=meeting)
    world.task(world.finance, content="Rà soát - tổng hợp", meeting=meeting)
    assert client.login(username=world.finance_user.username, password=PASSWORD)

    response = client.get(reverse("cabinet:task_export"))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=2))
    by_content = {row[1].value: row for row in rows}
    assert set(by_content) == {*FORMULAS, "Rà soát - tổng hợp"}
    for content in FORMULAS:
        cell, meeting_cell = by_content[content][1], by_content[content][4]
        # The text is kept as typed, stored as a string and marked as text (Excel's leading
        # apostrophe, which is not part of the value): editing the cell does not run it.
        assert (cell.data_type, cell.quotePrefix) == ("s", True), repr(content)
        assert (meeting_cell.value, meeting_cell.quotePrefix) == ("-1+2", True)
    plain = by_content["Rà soát - tổng hợp"][1]
    assert (plain.data_type, plain.quotePrefix) == ("s", False)


@pytest.mark.parametrize("value", FORMULAS)
def test_the_audit_csv_and_the_excel_export_share_one_rule(value: str) -> None:
    from cabinet.core.spreadsheet import neutralise_formula, starts_like_formula

    assert starts_like_formula(value)
    assert neutralise_formula(value) == "'" + value
    assert neutralise_formula("Rà soát - tổng hợp") == "Rà soát - tổng hợp"
    assert neutralise_formula(None) == ""
    assert neutralise_formula(7) == "7"
