"""Forms of the conclusions and tasks record. The task form can be filled from a typed sentence
("Giao Sở Tài chính chủ trì, phối hợp với ... trước ngày 15/12/2026."), which the secretary then
confirms; the fields, not the sentence, are what is saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.followup.sentences import ParsedTask, UnitName, parse_task_sentence
from cabinet.meetings.forms import OnceForm, TextField
from cabinet.meetings.selectors import item_numbers
from cabinet.models import DEFAULT_REPORT_TO, AgendaItem, Meeting, Task, Unit


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ConclusionForm(forms.Form):
    text = TextField(
        label=_("Kết luận"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class TaskForm(OnceForm):
    sentence = TextField(
        label=_("Câu giao nhiệm vụ"),
        required=False,
        max_length=50_000,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": _(
                    "Giao Sở Tài chính chủ trì, phối hợp với Sở Nội vụ rà soát ...; báo cáo "
                    "UBND Thành phố trước ngày 15/12/2026."
                ),
            }
        ),
        help_text=_(
            "Nhập hoặc dán câu (hoặc đoạn có nhiều câu) “Giao ...”, bấm “Điền từ câu”, kiểm tra "
            "các trường rồi lưu."
        ),
    )
    item = forms.ModelChoiceField(
        label=_("Thuộc nội dung"),
        queryset=AgendaItem.objects.none(),
        required=False,
        empty_label=_("— Chung cho cuộc họp —"),
    )
    lead_unit = forms.ModelChoiceField(
        label=_("Đơn vị chủ trì"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    coordinating_units = forms.ModelMultipleChoiceField(
        label=_("Đơn vị phối hợp"),
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    with_related_units = forms.BooleanField(
        label=_("Phối hợp với các cơ quan, đơn vị liên quan"), required=False
    )
    content = TextField(
        label=_("Nội dung nhiệm vụ"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    deadline = forms.DateField(
        label=_("Thời hạn"),
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    report_to = TextField(
        label=_("Báo cáo"), required=False, max_length=200, initial=DEFAULT_REPORT_TO
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = list(AgendaItem.objects.filter(meeting=meeting))
        numbers = item_numbers(items)
        self.fields["item"].queryset = AgendaItem.objects.filter(  # type: ignore[attr-defined]
            meeting=meeting
        ).order_by("parent_id", "position")
        self.fields["item"].label_from_instance = (  # type: ignore[attr-defined]
            lambda item: f"{numbers.get(item.pk, '')}. {item.title}"
        )

    def clean(self) -> dict[str, Any]:
        """Saving needs the fields (the parser only fills them); filling needs the sentence."""
        data = super().clean() or {}
        if self.data.get("action") == "parse":
            if not data.get("sentence", "").strip():
                self.add_error("sentence", _("Cần nhập câu giao nhiệm vụ để điền tự động."))
            return data
        if not data.get("lead_unit"):
            self.add_error("lead_unit", _("Cần chọn đơn vị chủ trì."))
        if not data.get("content", "").strip():
            self.add_error("content", _("Cần nhập nội dung nhiệm vụ."))
        return data

    @classmethod
    def initial_from(cls, task: Task) -> dict[str, Any]:
        return {
            "sentence": task.source_text,
            "item": task.agenda_item_id,
            "lead_unit": task.lead_unit_id,
            "coordinating_units": [u.pk for u in task.coordinating_units.all()],
            "with_related_units": task.with_related_units,
            "content": task.content,
            "deadline": task.deadline,
            "report_to": task.report_to,
        }


def unit_names() -> list[UnitName]:
    return [
        UnitName(id=u.pk, name=u.name, short_name=u.short_name)
        for u in Unit.objects.filter(is_active=True).order_by("pk")
    ]


def parse_into_fields(
    sentence: str, *, today: dt.date | None = None
) -> tuple[dict[str, Any], ParsedTask]:
    """The form's values read from one sentence, and the parse (for its warnings)."""
    parsed = parse_task_sentence(sentence, unit_names(), today=today or timezone.localdate())
    return (
        {
            "sentence": sentence,
            "lead_unit": parsed.lead.id if parsed.lead else None,
            "coordinating_units": [u.id for u in parsed.coordinating],
            "with_related_units": parsed.with_related_units,
            "content": parsed.content,
            "deadline": parsed.deadline,
            "report_to": parsed.report_to,
        },
        parsed,
    )
