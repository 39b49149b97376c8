"""Working days for deadlines (Decision 45/2018: the conclusion notice within 5 working days)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from pytest_django.fixtures import Settings

from cabinet.core.workdays import Calendar, notice_deadline

D = dt.date
PLAIN = Calendar()
# Tết Bính Ngọ as an office might configure it, and a make-up Saturday.
TET = Calendar(
    holidays=[D(2026, 2, 16) + dt.timedelta(days=n) for n in range(5)],
    extra_working_days=[D(2026, 2, 28)],
)


@pytest.mark.parametrize(
    ("meeting", "deadline", "calendar"),
    [
        (D(2026, 12, 1), D(2026, 12, 8), PLAIN),  # Tuesday → next Tuesday
        (D(2026, 12, 4), D(2026, 12, 11), PLAIN),  # Friday → next Friday
        (D(2026, 12, 5), D(2026, 12, 11), PLAIN),  # a Saturday meeting counts from Monday
        (D(2026, 4, 29), D(2026, 5, 8), PLAIN),  # 30/4 and 1/5 are not working days
        (D(2026, 12, 28), D(2027, 1, 5), PLAIN),  # 1/1 is not
        (D(2026, 8, 31), D(2026, 9, 8), PLAIN),  # 2/9 is not
        (D(2026, 2, 12), D(2026, 2, 26), TET),  # five configured Tết days are skipped
        (D(2026, 2, 25), D(2026, 3, 3), TET),  # a make-up Saturday (28/2) counts
    ],
)
def test_the_conclusion_notice_is_due_on_the_fifth_working_day_after_the_meeting(
    meeting: dt.date, deadline: dt.date, calendar: Calendar
) -> None:
    assert notice_deadline(meeting, calendar) == deadline


def test_working_days_left_counts_down_to_the_deadline_and_below_zero_after_it() -> None:
    deadline = D(2026, 12, 11)  # a Friday

    assert PLAIN.working_days_left(D(2026, 12, 4), deadline) == 5
    assert PLAIN.working_days_left(D(2026, 12, 5), deadline) == 5  # Saturday: none spent
    assert PLAIN.working_days_left(D(2026, 12, 10), deadline) == 1
    assert PLAIN.working_days_left(deadline, deadline) == 0
    assert PLAIN.working_days_left(D(2026, 12, 14), deadline) == -1  # Monday after: a day late
    assert PLAIN.working_days_left(D(2026, 12, 16), deadline) == -3


def test_the_calendar_comes_from_the_settings(settings: Settings) -> None:
    settings.HOLIDAYS = [D(2026, 12, 7)]
    settings.EXTRA_WORKING_DAYS = []

    assert notice_deadline(D(2026, 12, 4)) == D(2026, 12, 14)


def test_a_wrong_holiday_setting_is_refused_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from cabinet.settings import env_dates

    monkeypatch.setenv("HOLIDAYS", "2027-02-05,05/02/2027")
    with pytest.raises(ImproperlyConfigured, match="HOLIDAYS"):
        env_dates("HOLIDAYS")
    monkeypatch.setenv("HOLIDAYS", "2027-02-05, 2027-02-08")
    assert env_dates("HOLIDAYS") == [D(2027, 2, 5), D(2027, 2, 8)]
