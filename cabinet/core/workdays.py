"""Working days (ngày làm việc), for deadlines such as the conclusion notice's.

Decision 45/2018/QĐ-TTg: the conclusion notice is issued "chậm nhất 05 ngày làm việc kể từ ngày
kết thúc cuộc họp", i.e. by the fifth working day after the meeting's last day.

A working day is Monday to Friday, except public holidays. The fixed solar holidays of the Labour
Code 2019 (Art. 112) are built in: 1/1, 30/4, 1/5, 2/9. The others move every year and are
configured (settings.HOLIDAYS, ISO dates): Tết Nguyên đán, Giỗ Tổ Hùng Vương (10/3 lunar), the
second Quốc khánh day (1/9 or 3/9), and the compensatory days off when a holiday falls on a
weekend. A Saturday that the government makes a working day ("làm bù") goes in
settings.EXTRA_WORKING_DAYS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings

FIXED_HOLIDAYS = ((1, 1), (4, 30), (5, 1), (9, 2))  # (month, day)
NOTICE_WORKING_DAYS = 5


class Calendar:
    """Working days under a set of configured holidays and make-up working days."""

    def __init__(
        self, holidays: Iterable[dt.date] = (), extra_working_days: Iterable[dt.date] = ()
    ) -> None:
        self.holidays = frozenset(holidays)
        self.extra_working_days = frozenset(extra_working_days)

    @classmethod
    def from_settings(cls) -> Calendar:
        return cls(settings.HOLIDAYS, settings.EXTRA_WORKING_DAYS)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_working_days:
            return True
        if day.weekday() >= 5 or day in self.holidays:
            return False
        return (day.month, day.day) not in FIXED_HOLIDAYS

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        day = start
        while count:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_left(self, today: dt.date, deadline: dt.date) -> int:
        """Working days from tomorrow to ``deadline`` inclusive: 0 on the deadline itself (if it
        is still today, it is the last day), negative once it has passed (working days late)."""
        if deadline >= today:
            return sum(
                1
                for offset in range(1, (deadline - today).days + 1)
                if self.is_working_day(today + dt.timedelta(days=offset))
            )
        return -sum(
            1
            for offset in range((today - deadline).days)
            if self.is_working_day(deadline + dt.timedelta(days=offset + 1))
        )


def notice_deadline(meeting_day: dt.date, calendar: Calendar | None = None) -> dt.date:
    """The last day to issue the conclusion notice of a meeting that ended on ``meeting_day``."""
    return (calendar or Calendar.from_settings()).add_working_days(meeting_day, NOTICE_WORKING_DAYS)
