"""The tasks' Excel export: the rows of the task list (cabinet.followup.selectors.rows_of) as an
XLSX workbook with Vietnamese headers, real dates and every text cell kept as text.

The status is the list's: "Hoàn thành quá hạn" for a task done after its deadline (with its
working days late), "… – Quá hạn" for an open one past it. "Ngày hoàn thành" is the day the unit
reported it done, the day the lateness is counted from (cabinet.followup.selectors.with_done_on)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from cabinet.core.spreadsheet import neutralise_formula_cell
from cabinet.followup.selectors import TaskRow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EXPORT_HEADERS = (
    (gettext_noop("STT"), 6),
    (gettext_noop("Nội dung nhiệm vụ"), 60),
    (gettext_noop("Đơn vị chủ trì"), 24),
    (gettext_noop("Đơn vị phối hợp"), 28),
    (gettext_noop("Cuộc họp"), 36),
    (gettext_noop("Ngày họp"), 12),
    (gettext_noop("Số thông báo"), 14),
    (gettext_noop("Thời hạn"), 12),
    (gettext_noop("Tình trạng"), 16),
    (gettext_noop("Số ngày làm việc quá hạn"), 14),
    (gettext_noop("Ngày hoàn thành"), 14),
)
DATE_COLUMNS = (6, 8, 11)
TEXT_COLUMNS = (2, 3, 4, 5, 7, 9)


def tasks_workbook(rows: Sequence[TaskRow]) -> bytes:
    """The XLSX file of ``rows``, in their order, numbered from 1."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Nhiệm vụ")
    sheet.append([_(header) for header, _width in EXPORT_HEADERS])
    for column, (_header, width) in enumerate(EXPORT_HEADERS, 1):
        sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.cell(row=1, column=column).font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for number, row in enumerate(rows, 1):
        task = row.task
        sheet.append(
            [
                number,
                task.content,
                task.lead_unit.name,
                ", ".join(u.name for u in task.coordinating_units.all()),
                task.meeting.title,
                timezone.localtime(task.meeting.starts_at).date(),
                row.notice_number or None,
                task.deadline,
                row.status_label + (f" – {_('Quá hạn')}" if row.overdue else ""),
                row.days_late or None,
                row.done_on,
            ]
        )
        for column in DATE_COLUMNS:
            sheet.cell(row=number + 1, column=column).number_format = "DD/MM/YYYY"
        # Typed text such as "=HYPERLINK(...)" must stay text in the leaders' workbook.
        for column in TEXT_COLUMNS:
            neutralise_formula_cell(sheet.cell(row=number + 1, column=column))
        sheet.cell(row=number + 1, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
