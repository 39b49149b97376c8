"""The tasks' follow-up (đôn đốc nhiệm vụ): the list, a task's page with its history and the
report / confirm / return forms, the attachment download, the leaders' dashboard and the Excel
export. Thin: parse, call one selector or service, render.

Access: a task the user may not see is a 404 (cabinet.followup.selectors.tasks_for); the dashboard
is for follow-up users only (403 for others).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cabinet.core.audit import audit
from cabinet.core.errors import ServiceError
from cabinet.core.http import current_user
from cabinet.core.permissions import can_follow_up_tasks
from cabinet.followup import selectors
from cabinet.followup import services as task_followup
from cabinet.followup.export import XLSX, tasks_workbook
from cabinet.followup.forms import (
    ConfirmForm,
    PeriodForm,
    ReportForm,
    ReturnForm,
    TaskFilterForm,
)
from cabinet.models import AuditAction, Task, TaskStatus, TaskUpdate
from cabinet.papers.lib.delivery import (
    ByteRange,
    attachment_response,
    content_disposition,
    stream_file,
)
from cabinet.papers.lib.uploads import ATTACHMENT_KINDS
from cabinet.trust.ratelimit import rate_limited

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
NO_STORE = "no-store"
CONTENT_TYPES = dict(ATTACHMENT_KINDS.values()) | {".jpeg": "image/jpeg"}


def _today() -> dt.date:
    return timezone.localdate()


def _filter_form(request: HttpRequest) -> TaskFilterForm:
    units = [(u.pk, u.name) for u in selectors.filter_units()]
    meetings = selectors.filter_meetings(request.user)
    return TaskFilterForm(request.GET or None, units=units, meetings=meetings)


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    """Nhiệm vụ: what the user may see, filtered, overdue first."""
    today = _today()
    form = _filter_form(request)
    filters = form.filters()
    tasks = selectors.task_list(request.user, filters, today=today)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cabinet/tasks/list.html",
        {
            "form": form,
            "page": page,
            "rows": selectors.rows_of(list(page.object_list), today=today),
            "query": query.urlencode(),
            "can_follow_up": can_follow_up_tasks(request.user),
            "today": today,
        },
    )


def _task_context(request: HttpRequest, task: Task, **forms: Any) -> dict[str, Any]:
    today = _today()
    role = selectors.role_of(request.user, task)
    may_report = bool(role) and task.status != TaskStatus.DONE
    follow_up = can_follow_up_tasks(request.user)
    return {
        "task": task,
        "row": selectors.row_of(task, today=today),
        "role": role,
        "updates": task.updates.select_related("author", "author__unit").order_by(
            "created_at", "pk"
        ),
        "report_form": forms.get("report_form")
        or (ReportForm(note_only=role != "lead") if may_report else None),
        "may_report": may_report,
        "may_confirm": follow_up and task.status == TaskStatus.REPORTED,
        "confirm_form": forms.get("confirm_form") or ConfirmForm(),
        "return_form": forms.get("return_form") or ReturnForm(),
        "can_follow_up": follow_up,
        "today": today,
    }


@login_required
@require_GET
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.task_for(request.user, task_id)
    return render(request, "cabinet/tasks/detail.html", _task_context(request, task))


def _act(
    request: HttpRequest,
    task: Task,
    form: forms.Form,
    form_name: str,
    act: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """One action on a task page: a valid form runs the service and returns to the task with
    ``done``; an invalid form or a refusal shows the page again with the form's errors (400)."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done)
            return redirect("cabinet:task", task_id=task.pk)
    return render(
        request,
        "cabinet/tasks/detail.html",
        _task_context(request, task, **{form_name: form}),
        status=400,
    )


@login_required
@require_POST
def task_report(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.task_for(request.user, task_id)
    role = selectors.role_of(request.user, task)
    return _act(
        request,
        task,
        ReportForm(request.POST, request.FILES, note_only=role != "lead"),
        "report_form",
        lambda data: task_followup.report_progress(
            actor=current_user(request),
            task_id=task.pk,
            note=data["note"],
            status=data.get("status") or task.status,
            attachment=data.get("attachment") or None,
        ),
        _("Đã gửi báo cáo tiến độ."),
    )


def _office_task(request: HttpRequest, task_id: int) -> Task:
    """A task the office acts on: visible to the user (else 404) and theirs to follow up (403)."""
    task = selectors.task_for(request.user, task_id)
    if not can_follow_up_tasks(request.user):
        raise PermissionDenied
    return task


@login_required
@require_POST
def task_confirm(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _office_task(request, task_id)
    return _act(
        request,
        task,
        ConfirmForm(request.POST),
        "confirm_form",
        lambda data: task_followup.confirm_completion(
            actor=current_user(request), task_id=task.pk, note=data["note"]
        ),
        _("Đã xác nhận nhiệm vụ hoàn thành."),
    )


@login_required
@require_POST
def task_return(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _office_task(request, task_id)
    return _act(
        request,
        task,
        ReturnForm(request.POST),
        "return_form",
        lambda data: task_followup.return_task(
            actor=current_user(request), task_id=task.pk, note=data["note"]
        ),
        _("Đã trả lại nhiệm vụ cho đơn vị chủ trì."),
    )


@login_required
@require_GET
def task_attachment(request: HttpRequest, task_id: int, update_id: int) -> HttpResponseBase:
    """A report's attachment, for those who may see the task; never cached, always downloaded
    (an attachment is never rendered by the browser in the site's origin)."""
    task = selectors.task_for(request.user, task_id)
    update = TaskUpdate.objects.filter(pk=update_id, task=task).exclude(attachment="").first()
    if update is None or not update.attachment.name:
        raise Http404
    try:
        fd = os.open(update.attachment.path, os.O_RDONLY)
    except FileNotFoundError:
        logger.error("task update %s: file %s is missing", update.pk, update.attachment.name)
        raise Http404 from None
    size = os.fstat(fd).st_size
    audit(
        request,
        action=AuditAction.PAPER_DOWNLOADED,
        obj=update,
        meeting_id=task.meeting_id,
        detail={"task": task.pk, "attachment": update.attachment_name},
    )
    suffix = PurePath(update.attachment.name).suffix.lower()
    content_type = CONTENT_TYPES.get(suffix, "application/octet-stream")
    response: HttpResponseBase
    if size == 0:
        os.close(fd)
        response = HttpResponse(b"", content_type=content_type)
    else:
        response = stream_file(
            request, fd, ByteRange(0, size - 1), status=200, content_type=content_type
        )
    response["Content-Disposition"] = content_disposition(
        "attachment", update.attachment_name or f"dinh-kem{suffix}"
    )
    response["Cache-Control"] = NO_STORE
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def task_dashboard(request: HttpRequest) -> HttpResponse:
    if not can_follow_up_tasks(request.user):
        raise PermissionDenied
    today = _today()
    period_form = PeriodForm(request.GET or None, years=selectors.rate_years(today))
    return render(
        request,
        "cabinet/tasks/dashboard.html",
        {
            "board": selectors.dashboard(today),
            "rates": selectors.on_time_rates(period_form.chosen()),
            "period_form": period_form,
            "today": today,
            "statuses": selectors.STATUS_LABELS,
        },
    )


@login_required
@rate_limited("exports")
@require_GET
def task_export(request: HttpRequest) -> HttpResponse:
    """The list as an Excel workbook: the same filters, only what the user may see."""
    today = _today()
    filters = _filter_form(request).filters()
    rows = selectors.rows_of(selectors.task_list(request.user, filters, today=today), today=today)
    content = tasks_workbook(rows)
    audit(
        request,
        action=AuditAction.EXPORT_EXCEL,
        detail={"export": "tasks", "rows": len(rows), "filters": request.GET.dict()},
    )
    return attachment_response(content, filename=f"nhiem-vu-{today:%Y%m%d}.xlsx", content_type=XLSX)
