"""Forms: parse and validate input; the services decide. Labels in Vietnamese (source language)."""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Count, Q
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cabinet.core.text import fold
from cabinet.meetings.selectors import invitable_users
from cabinet.meetings.services.invitations import meetings_to_copy_from
from cabinet.models import (
    AgendaItem,
    InvitationGroup,
    Meeting,
    MeetingKind,
    PaperKind,
    Participant,
    ParticipantRole,
    Unit,
    User,
)


class TextField(forms.CharField):
    """A CharField whose limit the server enforces with a message, never the browser.

    Django puts maxlength on the input, and a browser then cuts a pasted text at the limit without
    a word (a 314-character title was saved as its first 300). Here the whole text reaches the
    form, which refuses it and gives it back to be shortened by its author.
    """

    default_error_messages = {
        "max_length": _(
            "Nội dung này dài %(show_value)d ký tự, tối đa %(limit_value)d ký tự. "
            "Hãy rút gọn rồi gửi lại."
        ),
    }

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


# A form's one-time token: long enough not to be guessed, short enough for CommandReceipt.client_id.
FORM_TOKEN_LENGTH = 32


def new_form_token() -> str:
    return secrets.token_urlsafe(24)  # 32 characters


class OnceForm(forms.Form):
    """A create form sent at most once: a hidden one-time token, issued with the empty form and
    kept when the form comes back with errors. The view creates under it once
    (cabinet.meetings.services.once); the same token sent again finds what it created.

    A form sent without a token (a page opened before tokens existed, a script) is accepted and
    creates as before; only a token that is not one of ours is refused.
    """

    form_token = forms.CharField(
        widget=forms.HiddenInput,
        required=False,
        max_length=FORM_TOKEN_LENGTH,
        error_messages={"max_length": _("Biểu mẫu không hợp lệ; hãy tải lại trang.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["form_token"].initial = new_form_token()


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MeetingForm(OnceForm):
    title = TextField(label=_("Tên cuộc họp"), max_length=300)
    kind = forms.ChoiceField(label=_("Loại cuộc họp"), choices=MeetingKind.choices)
    location = TextField(label=_("Địa điểm"), max_length=300)
    starts_at = forms.DateTimeField(label=_("Bắt đầu"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Dự kiến kết thúc"), widget=DateTimeInput())
    organizer_unit = forms.ModelChoiceField(
        label=_("Đơn vị chuẩn bị"), queryset=Unit.objects.filter(is_active=True)
    )
    description = forms.CharField(
        label=_("Nội dung chính"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("Thời gian kết thúc phải sau thời gian bắt đầu."))
        return data

    @classmethod
    def initial_from(cls, meeting: Meeting) -> dict[str, Any]:
        return {
            "title": meeting.title,
            "kind": meeting.kind,
            "location": meeting.location,
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
            "organizer_unit": meeting.organizer_unit,
            "description": meeting.description,
        }


# django-stubs makes the field generic; at run time it is not subscriptable (no django_stubs_ext).
if TYPE_CHECKING:
    _UserChoiceBase = forms.ModelChoiceField[User]
else:
    _UserChoiceBase = forms.ModelChoiceField


class UserChoiceField(_UserChoiceBase):
    def label_from_instance(self, obj: User) -> str:
        unit = f" – {obj.unit.short_name or obj.unit.name}" if obj.unit else ""
        return (
            f"{obj.full_name}, {obj.position}{unit}" if obj.position else f"{obj.full_name}{unit}"
        )


class InviteForm(forms.Form):
    user = UserChoiceField(label=_("Đại biểu"), queryset=User.objects.none())
    # Most people invited are members; the one chair is invited once (issue 19: it defaulted to chair).
    role = forms.ChoiceField(
        label=_("Vai trò"), choices=ParticipantRole.choices, initial=ParticipantRole.MEMBER
    )
    can_vote = forms.BooleanField(label=_("Có quyền biểu quyết"), required=False, initial=True)
    substitute_for = UserChoiceField(
        label=_("Dự thay cho"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invitable = invitable_users(meeting)
        self.fields["user"].queryset = invitable  # type: ignore[attr-defined]
        self.fields["substitute_for"].queryset = invitable  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") == ParticipantRole.OBSERVER and data.get("can_vote"):
            self.add_error("can_vote", _("Người theo dõi không có quyền biểu quyết."))
        return data


class InviteGroupForm(forms.Form):
    """Invite a whole invitation group in one role (never the chair: a meeting has one)."""

    prefix = "group"
    group = forms.ModelChoiceField(
        label=_("Nhóm đại biểu"),
        queryset=InvitationGroup.objects.annotate(
            size=Count("members", filter=Q(members__is_active=True))
        ),
    )
    role = forms.ChoiceField(
        label=_("Vai trò"),
        choices=[c for c in ParticipantRole.choices if c[0] != ParticipantRole.CHAIR],
        initial=ParticipantRole.MEMBER,
    )
    can_vote = forms.BooleanField(label=_("Có quyền biểu quyết"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].label_from_instance = lambda g: (  # type: ignore[attr-defined]
            _("%(name)s (%(count)s người)") % {"name": g.name, "count": g.size}
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") == ParticipantRole.OBSERVER and data.get("can_vote"):
            self.add_error("can_vote", _("Người theo dõi không có quyền biểu quyết."))
        return data


class CopyParticipantsForm(forms.Form):
    """Copy the participants of another meeting the secretary prepares."""

    prefix = "copy"
    source = forms.ModelChoiceField(
        label=_("Sao chép thành phần từ cuộc họp"), queryset=Meeting.objects.none()
    )

    def __init__(self, *args: Any, meeting: Meeting, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = meetings_to_copy_from(user, meeting)  # type: ignore[attr-defined]
        self.fields["source"].label_from_instance = lambda m: (  # type: ignore[attr-defined]
            _("%(date)s – %(title)s (%(count)s người)")
            % {
                "date": date_format(localtime(m.starts_at), "d/m/Y"),
                "title": m.title,
                "count": m.invited,
            }
        )


class AgendaItemForm(OnceForm):
    title = TextField(label=pgettext_lazy("agenda item", "Nội dung"), max_length=300)
    description = forms.CharField(
        label=_("Mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    parent = forms.ModelChoiceField(
        label=_("Thuộc nội dung"),
        queryset=AgendaItem.objects.none(),
        required=False,
        empty_label=_("— Nội dung chính —"),
    )
    presenter_unit = forms.ModelChoiceField(
        label=_("Đơn vị trình bày"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    presenter = UserChoiceField(
        label=_("Người trình bày"), queryset=User.objects.none(), required=False
    )
    planned_minutes = forms.IntegerField(
        label=_("Thời lượng (phút)"), min_value=1, max_value=600, initial=15
    )
    restricted = forms.BooleanField(
        label=_("Hạn chế: chỉ những người được chọn dưới đây mới xem được nội dung này"),
        required=False,
    )
    audience = forms.ModelMultipleChoiceField(
        label=_("Người được mời riêng (khách mời; hoặc danh sách được xem khi hạn chế)"),
        queryset=Participant.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, meeting: Meeting, item: AgendaItem | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if item is not None:
            del self.fields["parent"]  # an item keeps its level; reordering is done in the list
            del self.fields["form_token"]  # editing is the same whether sent once or twice
        else:
            self.fields["parent"].queryset = AgendaItem.objects.filter(  # type: ignore[attr-defined]
                meeting=meeting, parent__isnull=True
            ).order_by("position")
        self.fields["presenter"].queryset = User.objects.filter(is_active=True).select_related(  # type: ignore[attr-defined]
            "unit"
        )
        self.fields["audience"].queryset = meeting.participants.select_related("user")  # type: ignore[attr-defined]
        self.fields["audience"].label_from_instance = lambda p: (  # type: ignore[attr-defined]
            f"{p.user.full_name} ({p.get_role_display()})"
        )

    @classmethod
    def initial_from(cls, item: AgendaItem) -> dict[str, Any]:
        return {
            "title": item.title,
            "description": item.description,
            "presenter_unit": item.presenter_unit,
            "presenter": item.presenter,
            "planned_minutes": item.planned_minutes,
            "restricted": item.restricted,
            "audience": list(item.audience.all()),
        }


class PaperFileField(forms.FileField):
    """A paper upload. The accept list only helps the file picker; the server decides by content."""

    widget = forms.ClearableFileInput(
        attrs={
            "accept": ".pdf,.docx,.doc,.odt,application/pdf,"
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
            "application/msword,application/vnd.oasis.opendocument.text"
        }
    )


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True  # renders `multiple`; the field reads every file sent


class PaperFilesField(PaperFileField):
    """Several paper uploads at once: cleans each file as the single field would, gives a list."""

    widget = _MultipleFileInput(attrs=PaperFileField.widget.attrs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = list(data) if isinstance(data, list | tuple) else [data] if data else []
        if not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(PaperFilesField, self).clean(one, initial) for one in files]


# One form posts at most this many files: each is checked and queued for processing.
MAX_FILES_PER_UPLOAD = 20
AUTO_KIND = "auto"
# The paper types a file name announces, by the words it starts a phrase with (folded).
_KIND_WORDS = (
    ("du thao quyet dinh", PaperKind.DRAFT_DECISION),
    ("du thao ke hoach", PaperKind.DRAFT_PLAN),
    ("to trinh", PaperKind.PROPOSAL),
    ("bao cao", PaperKind.REPORT),
    ("chuong trinh", PaperKind.AGENDA),
)


def title_from_file_name(name: str) -> str:
    """ "To_trinh_du_an.pdf" → "To trinh du an": without its extension, underscores as spaces,
    composed (macOS sends names decomposed), at most the title's 300 characters."""
    stem = unicodedata.normalize("NFC", name.rsplit("/", 1)[-1])
    if "." in stem.strip("."):
        stem = stem.rsplit(".", 1)[0]
    title = " ".join(stem.replace("_", " ").split())
    return title[:300] or str(_("Tài liệu"))


def kind_from_title(title: str) -> str:
    """The type the name announces first ("Báo cáo thẩm định Tờ trình …" is a report), else
    "Tài liệu khác": a wrong "Chương trình" or "Báo cáo" would mislead the members."""
    words = f" {re.sub(r'[^a-z0-9]+', ' ', fold(title))} "
    found = [(words.find(f" {phrase} "), kind) for phrase, kind in _KIND_WORDS]
    found = [(at, kind) for at, kind in found if at >= 0]
    return min(found)[1] if found else PaperKind.OTHER


class PaperForm(forms.Form):
    # The files first: the title is then prefilled from the chosen file's name.
    field_order = ["file", "title", "kind", "agenda_item"]

    title = TextField(
        label=_("Tên tài liệu"),
        max_length=300,
        required=False,
        help_text=_("Để trống để lấy theo tên tệp."),
    )
    kind = forms.ChoiceField(
        label=_("Loại tài liệu"),
        choices=[(AUTO_KIND, _("Theo tên tệp")), *PaperKind.choices],
        initial=AUTO_KIND,
        help_text=_(
            "Theo tên tệp: “Tờ trình …”, “Báo cáo …”, “Dự thảo quyết định …”; không rõ thì là "
            "Tài liệu khác."
        ),
    )
    agenda_item = forms.ModelChoiceField(
        label=_("Thuộc nội dung"),
        queryset=AgendaItem.objects.none(),
        required=False,
        empty_label=_("— Tài liệu chung của cuộc họp —"),
    )
    file = PaperFilesField(
        label=_("Tệp tài liệu"),
        help_text=_(
            "PDF, DOCX, DOC hoặc ODT (được chuyển sang PDF). Chọn được nhiều tệp: mỗi tệp thành "
            "một tài liệu."
        ),
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = AgendaItem.objects.filter(  # type: ignore[attr-defined]
            meeting=meeting
        ).order_by("parent_id", "position")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        files = data.get("file") or []
        if len(files) > MAX_FILES_PER_UPLOAD:
            self.add_error(
                "file",
                _("Mỗi lần tải lên tối đa %(n)d tệp.") % {"n": MAX_FILES_PER_UPLOAD},
            )
        if len(files) > 1 and data.get("title", "").strip():
            self.add_error(
                "title",
                _(
                    "Khi tải lên nhiều tệp, tên mỗi tài liệu lấy từ tên tệp: hãy để trống ô này, "
                    "hoặc tải lên từng tệp."
                ),
            )
        return data

    def papers(self) -> list[tuple[str, str, Any]]:
        """(title, kind, file) for each file, in the order chosen."""
        data = self.cleaned_data
        files = data["file"]
        typed = data["title"].strip() if len(files) == 1 else ""
        result = []
        for upload in files:
            title = typed or title_from_file_name(upload.name or "")
            kind = data["kind"] if data["kind"] != AUTO_KIND else kind_from_title(title)
            result.append((title, kind, upload))
        return result


class PaperVersionForm(forms.Form):
    file = PaperFileField(
        label=_("Tệp mới"), help_text=_("PDF, DOCX, DOC hoặc ODT (được chuyển sang PDF).")
    )
    note = TextField(label=_("Ghi chú thay đổi"), max_length=300, required=False)
