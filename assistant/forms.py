"""Forms of the assistant and the directive library: parse and validate; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assistant.models import Directive, DocType, Visibility
from assistant.search.retrieval import Scope
from cabinet.models import Unit, User

QUESTION_MAX_CHARS = 1000


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class AskForm(forms.Form):
    """A question and the optional filters of the library (the meeting panel sends ``meeting``)."""

    # An empty question is explained by the server in the page's language, not by the browser's
    # own "Please fill out this field." in the browser's.
    use_required_attribute = False

    question = forms.CharField(
        label=_("Câu hỏi"),
        max_length=QUESTION_MAX_CHARS,
        strip=True,
        error_messages={
            "required": _("Hãy nhập câu hỏi."),
            "max_length": _(
                "Câu hỏi quá dài: tối đa %(limit_value)d ký tự (hiện có %(show_value)d)."
            ),
        },
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "maxlength": QUESTION_MAX_CHARS,
                "placeholder": _("Ví dụ: Ai có thẩm quyền ký văn bản?"),
            }
        ),
    )
    doc_types = forms.MultipleChoiceField(
        label=_("Loại văn bản"),
        choices=DocType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Loại văn bản không hợp lệ: %(value)s.")},
    )
    issuer = forms.CharField(label=_("Cơ quan ban hành"), max_length=200, required=False)
    date_from = forms.DateField(
        label=_("Từ ngày"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Ngày không hợp lệ (định dạng NNNN-TT-NN).")},
    )
    date_to = forms.DateField(
        label=_("Đến ngày"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Ngày không hợp lệ (định dạng NNNN-TT-NN).")},
    )
    meeting = forms.IntegerField(
        required=False,
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("Cuộc họp không hợp lệ.")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("“Đến ngày” phải sau “Từ ngày”."))
        return data

    def scope(self) -> Scope:
        """The search scope; the caller has checked the meeting (``cleaned_data["meeting"]``)."""
        data = self.cleaned_data
        if data.get("meeting"):
            return Scope.meeting(int(data["meeting"]))
        return Scope(
            doc_types=tuple(data.get("doc_types") or ()),
            issuer=(data.get("issuer") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )

    def first_error(self) -> str:
        for errors in self.errors.values():
            for error in errors:
                return str(error)
        return str(_("Yêu cầu không hợp lệ."))


class LibraryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Tìm theo trích yếu hoặc số ký hiệu"), required=False, max_length=200
    )
    doc_type = forms.ChoiceField(
        label=_("Loại văn bản"),
        required=False,
        choices=[("", _("Tất cả các loại")), *DocType.choices],
    )


class DirectiveFieldsForm(forms.Form):
    """Metadata and access, shared by the upload and the edit forms."""

    number = forms.CharField(label=_("Số ký hiệu"), max_length=80, required=False)
    title = forms.CharField(
        label=_("Trích yếu"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    doc_type = forms.ChoiceField(label=_("Loại văn bản"), required=False, choices=())
    issuer = forms.CharField(label=_("Cơ quan ban hành"), max_length=200, required=False)
    issued_on = forms.DateField(label=_("Ngày ban hành"), required=False, widget=DateInput())
    visibility = forms.ChoiceField(
        label=_("Phạm vi truy cập"),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Đơn vị được xem"),
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    users = forms.ModelMultipleChoiceField(
        label=_("Người được xem"),
        queryset=User.objects.filter(is_active=True).order_by("full_name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    blank_type_label = _("— Tự nhận diện từ văn bản —")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["doc_type"].choices = [("", self.blank_type_label), *DocType.choices]  # type: ignore[attr-defined]
        self.fields["users"].label_from_instance = _user_label  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("visibility") == Visibility.RESTRICTED and not (
            data.get("units") or data.get("users")
        ):
            self.add_error(
                "units", _("Văn bản hạn chế phải chọn ít nhất một đơn vị hoặc một người được xem.")
            )
        return data

    def metadata(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "number": (data.get("number") or "").strip(),
            "title": (data.get("title") or "").strip(),
            "doc_type": data.get("doc_type") or "",
            "issuer": (data.get("issuer") or "").strip(),
            "issued_on": data.get("issued_on"),
        }


def _user_label(user: User) -> str:
    name = user.full_name or user.username
    return f"{name} ({user.position})" if user.position else name


class DirectiveUploadForm(DirectiveFieldsForm):
    file = forms.FileField(
        label=_("Tệp văn bản (PDF, DOCX, DOC, ODT hoặc TXT)"),
        error_messages={"required": _("Hãy chọn tệp văn bản.")},
    )
    field_order = ["file"]


class DirectiveEditForm(DirectiveFieldsForm):
    blank_type_label = _("Văn bản khác")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = True
        self.fields["title"].error_messages["required"] = _("Trích yếu không được để trống.")
        self.fields["doc_type"].choices = DocType.choices  # type: ignore[attr-defined]
        self.fields["doc_type"].required = True

    @classmethod
    def initial_from(cls, directive: Directive) -> dict[str, Any]:
        return {
            "number": directive.number,
            "title": directive.title,
            "doc_type": directive.doc_type,
            "issuer": directive.issuer,
            "issued_on": directive.issued_on,
            "visibility": directive.visibility,
            "units": list(directive.allowed_units.all()),
            "users": list(directive.allowed_users.all()),
        }
