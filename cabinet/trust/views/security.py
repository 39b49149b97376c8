"""The security officer's audit log: filter, page through, export as CSV (itself audited).

For holders of cabinet.view_audit only (403 for anyone else signed in). Times are UTC, and say so.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from cabinet.core.audit import audit
from cabinet.core.spreadsheet import neutralise_formula
from cabinet.models import AuditAction, AuditEntry
from cabinet.trust.ratelimit import rate_limited

PAGE_SIZE = 50
CSV_HEADER = [
    "id",
    "timestamp_utc",
    "username",
    "actor_id",
    "ip",
    "action",
    "action_label",
    "object_type",
    "object_id",
    "meeting_id",
    "detail",
]


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(label=_("Từ ngày (UTC)"), required=False)
    date_to = forms.DateField(label=_("Đến ngày (UTC)"), required=False)
    actor = forms.CharField(label=_("Tên đăng nhập"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Hành động"),
        required=False,
        choices=[("", _("Tất cả")), *AuditAction.choices],
    )
    ip = forms.CharField(label=_("Địa chỉ IP"), required=False, max_length=45)
    meeting = forms.IntegerField(label=_("Mã cuộc họp"), required=False, min_value=1)
    q = forms.CharField(
        label=pgettext_lazy("text searched for", "Nội dung"), required=False, max_length=200
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(attrs={"type": "date"})

    def filter(self, rows: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """The rows that match the valid filters (an invalid one is reported and ignored)."""
        if not self.is_bound:
            return rows
        self.is_valid()  # an invalid field is left out of cleaned_data, and shown on the form
        data = self.cleaned_data
        if data.get("date_from"):
            rows = rows.filter(at__gte=_utc_midnight(data["date_from"]))
        if data.get("date_to"):
            rows = rows.filter(at__lt=_utc_midnight(data["date_to"] + dt.timedelta(days=1)))
        if data.get("actor"):
            rows = rows.filter(username__icontains=data["actor"].strip())
        if data.get("action"):
            rows = rows.filter(action=data["action"])
        if data.get("ip"):
            rows = rows.filter(ip__startswith=data["ip"].strip())
        if data.get("meeting"):
            rows = rows.filter(meeting_id=data["meeting"])
        if text := (data.get("q") or "").strip():
            rows = rows.filter(
                Q(username__icontains=text)
                | Q(object_type__icontains=text)
                | Q(object_id=text)
                | Q(detail__icontains=text)
                | Q(detail__icontains=json.dumps(text)[1:-1])  # as stored: non-ASCII escaped
            )
        return rows

    def used(self) -> dict[str, Any]:
        """The filters applied, for the export's own audit entry."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: str(value) for name, value in self.cleaned_data.items() if value not in (None, "")
        }


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def utc_iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _require_officer(request: HttpRequest) -> None:
    if not (request.user.is_active and request.user.has_perm("cabinet.view_audit")):
        raise PermissionDenied


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    _require_officer(request)
    form = AuditFilterForm(request.GET or None)
    rows = form.filter(AuditEntry.objects.all())
    page = Paginator(rows.order_by("-at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cabinet/security/audit.html",
        {
            "form": form,
            "page": page,
            "entries": [(row, utc_iso(row.at)) for row in page],
            "query": query.urlencode(),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: QuerySet[AuditEntry]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM: Excel then reads the file as UTF-8
    yield writer.writerow(CSV_HEADER)
    labels = dict(AuditAction.choices)
    for row in rows.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                row.pk,
                utc_iso(row.at),
                neutralise_formula(row.username),
                row.actor_id or "",
                row.ip or "",
                row.action,
                neutralise_formula(labels.get(row.action, row.action)),
                neutralise_formula(row.object_type),
                neutralise_formula(row.object_id),
                row.meeting_id or "",
                neutralise_formula(json.dumps(row.detail, ensure_ascii=False, sort_keys=True)),
            ]
        )


@login_required
@rate_limited("exports")
@require_GET
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered rows as CSV (UTF-8 with BOM, ISO-8601 UTC times). The export is audited
    first, so that it appears in its own file."""
    _require_officer(request)
    form = AuditFilterForm(request.GET)
    rows = form.filter(AuditEntry.objects.all()).order_by("at", "id")
    audit(request, action=AuditAction.EXPORT_AUDIT, detail={"filters": form.used()})
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="nhat-ky-an-ninh-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
