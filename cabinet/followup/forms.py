"""Forms of the tasks' follow-up: the list's filters, the unit's progress report, the office's
confirmation and return. They parse; cabinet.followup.services decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cabinet.followup.selectors import (
    MAX_QUERY_CHARS,
    ROMAN_QUARTERS,
    STATUS_LABELS,
    Period,
    TaskFilters,
)
from cabinet.models import TaskStatus
from cabinet.papers.lib.uploads import ATTACHMENT_KINDS


class TaskFilterForm(forms.Form):
    """GET filters of the list and the export. An invalid value is reported and ignored."""

    unit = forms.TypedChoiceField(label=_("Đơn vị chủ trì"), required=False, coerce=int)
    meeting = forms.TypedChoiceField(label=_("Cuộc họp"), required=False, coerce=int)
    status = forms.ChoiceField(
        label=_("Tình trạng"),
        required=False,
        choices=[("", _("Tất cả"))] + [(k, v) for k, v in STATUS_LABELS.items()],
    )
    q = forms.CharField(
        label=_("Tìm kiếm"),
        required=False,
        max_length=MAX_QUERY_CHARS,
        widget=forms.TextInput(attrs={"placeholder": _("Nội dung, đơn vị, cuộc họp…")}),
    )

    def __init__(
        self,
        *args: Any,
        units: list[tuple[int, str]],
        meetings: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        meeting_field = self.fields["meeting"]
        assert isinstance(unit_field, forms.TypedChoiceField)
        assert isinstance(meeting_field, forms.TypedChoiceField)
        unit_field.choices = [("", _("Tất cả đơn vị")), *units]
        meeting_field.choices = [("", _("Tất cả cuộc họp")), *meetings]
        for name in ("unit", "meeting", "status"):
            self.fields[name].error_messages["invalid_choice"] = INVALID_FILTER

    def filters(self) -> TaskFilters:
        """The valid filters (a form that is not valid still yields its valid fields)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return TaskFilters(
            unit_id=data.get("unit") or None,
            meeting_id=data.get("meeting") or None,
            status=data.get("status") or "",
            query=(data.get("q") or "").strip(),
        )


INVALID_FILTER = _("Giá trị lọc không hợp lệ; đã bỏ qua điều kiện này.")


def _period_choices() -> list[tuple[str, str]]:
    """Built per form, in the request's language (a lazy string formatted at import would not)."""
    return [
        ("", gettext("Cả năm")),
        *((f"q{q}", gettext("Quý %(q)s") % {"q": roman}) for q, roman in ROMAN_QUARTERS.items()),
        *((f"m{m}", gettext("Tháng %(m)s") % {"m": m}) for m in range(1, 13)),
    ]


class PeriodForm(forms.Form):
    """The dashboard's period: all time, a year, a quarter or a month of the completions. An
    invalid value is reported and ignored (all time, or the whole year)."""

    year = forms.TypedChoiceField(label=_("Năm"), required=False, coerce=int)
    period = forms.ChoiceField(label=_("Kỳ"), required=False)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year_field = self.fields["year"]
        assert isinstance(year_field, forms.TypedChoiceField)
        year_field.choices = [("", _("Toàn bộ thời gian")), *((y, str(y)) for y in years)]
        period_field = self.fields["period"]
        assert isinstance(period_field, forms.ChoiceField)
        period_field.choices = _period_choices()
        for name in ("year", "period"):
            self.fields[name].error_messages["invalid_choice"] = INVALID_FILTER

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") and not data.get("year"):
            self.add_error(
                "period", _("Hãy chọn năm của quý hoặc tháng; đã tính toàn bộ thời gian.")
            )
        return data

    def chosen(self) -> Period:
        """The valid period (a form that is not valid still yields its valid fields)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        year = data.get("year") or None
        return Period.of(year, (data.get("period") or "") if year else "")


class AttachmentField(forms.FileField):
    """The accept list only helps the file picker; the service decides by content."""

    def __init__(self, **kwargs: Any) -> None:
        accept = ",".join(ext for ext, _type in ATTACHMENT_KINDS.values()) + ",.jpeg"
        kwargs.setdefault("widget", forms.FileInput(attrs={"accept": accept}))
        super().__init__(**kwargs)


class ReportForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Tình trạng"),
        choices=[
            (TaskStatus.IN_PROGRESS.value, _("Đang thực hiện")),
            (TaskStatus.REPORTED.value, _("Đã hoàn thành – đề nghị Văn phòng xác nhận")),
        ],
        widget=forms.RadioSelect,
        initial=TaskStatus.IN_PROGRESS.value,
        error_messages={
            "required": _("Hãy chọn tình trạng nhiệm vụ."),
            "invalid_choice": _("Tình trạng không hợp lệ."),
        },
    )
    note = forms.CharField(
        label=_("Nội dung báo cáo"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Hãy nhập nội dung báo cáo tiến độ.")},
    )
    attachment = AttachmentField(
        label=_("Tệp đính kèm (PDF, DOCX, XLSX, PNG, JPEG)"),
        required=False,
        error_messages={
            "invalid": _("Tệp gửi lên không hợp lệ."),
            "empty": _("Tệp rỗng (0 byte)."),
        },
    )

    def __init__(self, *args: Any, note_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if note_only:
            # A coordinating unit adds its opinion; the status is the lead unit's to change.
            del self.fields["status"]
            self.fields["note"].label = _("Ý kiến của đơn vị phối hợp")


class ConfirmForm(forms.Form):
    note = forms.CharField(
        label=_("Ghi chú (không bắt buộc)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReturnForm(forms.Form):
    note = forms.CharField(
        label=_("Lý do trả lại"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Hãy ghi lý do trả lại nhiệm vụ.")},
    )
