"""The secretary's (or chair's) record of what the meeting concluded: a conclusion per agenda
item, the tasks it assigned, with the task form filled from a typed "Giao ..." sentence."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cabinet.core.errors import ServiceError
from cabinet.core.http import current_user, report
from cabinet.core.permissions import can_record_conclusions
from cabinet.followup.sentences import split_tasks
from cabinet.meetings import selectors
from cabinet.meetings.selectors import MeetingAccess, RecordedItem
from cabinet.meetings.services import once
from cabinet.models import AgendaItem, ConclusionNotice, Meeting, Task
from cabinet.records.forms import ConclusionForm, TaskForm, parse_into_fields
from cabinet.records.services import conclusions as conclusion_services

QUEUE_KEY = "task-sentences-{meeting}"  # the session's sentences still to confirm


def recording_meeting(request: HttpRequest, meeting_id: int) -> MeetingAccess:
    """404 for non-participants, 403 for participants who are not the secretary or chair."""
    access = selectors.meeting_access(request.user, meeting_id)
    if not can_record_conclusions(access.participant):
        raise PermissionDenied
    return access


@dataclass
class Box:
    """One conclusion box of the page: what it shows, and the saved text's fingerprint when the
    page was made (so that saving the page changes only the boxes this user changed)."""

    entry: RecordedItem
    key: str  # "general" (the whole meeting) or the agenda item's id
    text: str  # the saved text, or what was typed when the save was refused
    version: str
    error: str = ""
    saved_meanwhile: str | None = None  # someone else's text, saved since the page was made


def _normal(text: str) -> str:
    """A box's text as compared: browsers send CRLF line ends, the record keeps LF."""
    return text.replace("\r\n", "\n").strip()


def _fingerprint(text: str) -> str:
    return hashlib.sha256(_normal(text).encode()).hexdigest()[:24]


def _key(entry: RecordedItem) -> str:
    return str(entry.item.pk) if entry.item else "general"


@login_required
def conclusions_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    access = recording_meeting(request, meeting_id)
    record = selectors.conclusions_record(access.meeting)
    boxes = [
        Box(entry=e, key=_key(e), text=e.conclusion, version=_fingerprint(e.conclusion))
        for e in record
    ]
    return _render_page(request, access, boxes)


def _render_page(
    request: HttpRequest, access: MeetingAccess, boxes: list[Box], *, status: int = 200
) -> HttpResponse:
    meeting = access.meeting
    notice = ConclusionNotice.objects.filter(meeting=meeting).first()
    return render(
        request,
        "cabinet/conclusions.html",
        {
            "meeting": meeting,
            "boxes": boxes,
            "editable": selectors.record_is_open(access.meeting),
            "notice": notice,
            "notice_due": selectors.notice_due(meeting),
            "queued": _queued(request, QUEUE_KEY.format(meeting=meeting.pk)),
        },
        status=status,
    )


@login_required
@require_POST
def conclusion_save(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Save the page's conclusion boxes together (one Save per box used to keep that box only and
    drop what was typed in the others). Only the boxes this user changed are written, so a box
    someone else saved meanwhile is not undone; a box both changed is refused, and then nothing
    is saved and the page comes back with every box as typed."""
    access = recording_meeting(request, meeting_id)
    if "text" in request.POST:
        return _save_one_box(request, access)
    boxes: list[Box] = []
    changes: list[tuple[int | None, str]] = []
    for entry in selectors.conclusions_record(access.meeting):
        key = _key(entry)
        typed = request.POST.get(f"text-{key}")
        current = _fingerprint(entry.conclusion)
        if typed is None:  # not on the page that was sent (an item added meanwhile)
            boxes.append(Box(entry=entry, key=key, text=entry.conclusion, version=current))
            continue
        shown = request.POST.get(f"version-{key}", "")
        box = Box(entry=entry, key=key, text=typed, version=current)
        boxes.append(box)
        if _fingerprint(typed) == shown:
            box.text = entry.conclusion  # untouched here: whatever is saved now stays
            continue
        form = ConclusionForm({"text": typed})
        if not form.is_valid():
            box.error = " ".join(str(e) for e in form.errors["text"])
            box.version = shown
        elif current != shown and _fingerprint(typed) != current:
            box.error = _(
                "Kết luận này vừa được người khác sửa sau khi đồng chí mở trang. Nội dung "
                "đồng chí nhập vẫn ở dưới đây; hãy đối chiếu với bản vừa lưu rồi lưu lại."
            )
            box.saved_meanwhile = entry.conclusion
        else:
            changes.append((entry.item.pk if entry.item else None, form.cleaned_data["text"]))
    if any(box.error for box in boxes):
        messages.error(request, _("Chưa lưu: hãy xem các ô được đánh dấu bên dưới."))
        return _render_page(request, access, boxes)
    try:
        with transaction.atomic():
            for item_id, text in changes:
                conclusion_services.record_conclusion(
                    actor=current_user(request), meeting=access.meeting, item_id=item_id, text=text
                )
    except ServiceError as error:
        report(request, error)
        return _render_page(request, access, boxes)
    if changes:
        messages.success(request, _("Đã lưu các kết luận."))
    else:
        messages.info(request, _("Không có thay đổi nào cần lưu."))
    anchor = request.POST.get("anchor", "")
    known = {"general", *(f"item-{box.key}" for box in boxes if box.key != "general")}
    return redirect(
        request.build_absolute_uri(_page_url(meeting_id))
        + (f"#{anchor}" if anchor in known else "")
    )


def _save_one_box(request: HttpRequest, access: MeetingAccess) -> HttpResponse:
    """One box sent alone (item + text), as the page posted before it saved all boxes together."""
    form = ConclusionForm(request.POST)
    item_id = _item_id(request.POST.get("item"))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        try:
            conclusion_services.record_conclusion(
                actor=current_user(request),
                meeting=access.meeting,
                item_id=item_id,
                text=form.cleaned_data["text"],
            )
        except ServiceError as error:
            report(request, error)
        else:
            messages.success(request, _("Đã lưu kết luận."))
    anchor = f"#item-{item_id}" if item_id else "#general"
    return redirect(request.build_absolute_uri(_page_url(access.meeting.pk)) + anchor)


def _page_url(meeting_id: int) -> str:
    return reverse("cabinet:conclusions", kwargs={"meeting_id": meeting_id})


def _item_id(raw: str | None) -> int | None:
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise Http404 from None


def _task(access: MeetingAccess, task_id: int) -> Task:
    task = (
        Task.objects.filter(meeting=access.meeting, pk=task_id)
        .prefetch_related("coordinating_units")
        .first()
    )
    if task is None:
        raise Http404
    return task


@login_required
def task_new(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Add a task: type a sentence and fill the fields from it, check them, save. A pasted
    paragraph with several "Giao ..." sentences is queued: each is filled in turn."""
    access = recording_meeting(request, meeting_id)
    return _task_form(request, access, task=None)


@login_required
def task_edit(request: HttpRequest, meeting_id: int, task_id: int) -> HttpResponse:
    access = recording_meeting(request, meeting_id)
    return _task_form(request, access, task=_task(access, task_id))


def _task_form(request: HttpRequest, access: MeetingAccess, *, task: Task | None) -> HttpResponse:
    meeting = access.meeting
    queue_key = QUEUE_KEY.format(meeting=meeting.pk)
    warnings: list[str] = []
    if request.method == "POST":
        if (
            task is None
            and request.POST.get("action") != "parse"
            and once.created_by(current_user(request), request.POST.get("form_token", ""), ADD_TASK)
            is not None
        ):
            return _already_added(request, access)
        form = TaskForm(request.POST, meeting=meeting)
        if task is not None:
            del form.fields["form_token"]  # editing is the same whether sent once or twice
        if form.is_valid() and request.POST.get("action") == "parse":
            sentences = split_tasks(form.cleaned_data["sentence"]) or [
                form.cleaned_data["sentence"]
            ]
            if task is None and len(sentences) > 1:
                item = form.cleaned_data.get("item")
                request.session[queue_key] = {
                    "item": item.pk if item else None,
                    "sentences": sentences[1:],
                }
                messages.info(
                    request,
                    _("Đã tách được %(n)d nhiệm vụ; hãy kiểm tra và lưu lần lượt từng nhiệm vụ.")
                    % {"n": len(sentences)},
                )
            form, warnings = _filled(meeting, sentences[0], form.cleaned_data.get("item"))
        elif form.is_valid():
            saved = _save_task(request, access, task, form.cleaned_data)
            if saved is False:
                return _already_added(request, access)
            if saved:
                return _after_save(request, access, task)
    else:
        initial: dict[str, Any]
        if task is not None:
            initial = TaskForm.initial_from(task)
            form = TaskForm(initial=initial, meeting=meeting)
            del form.fields["form_token"]
        elif _queued(request, queue_key):
            queue = request.session[queue_key]
            sentences = list(queue["sentences"])
            request.session[queue_key] = {**queue, "sentences": sentences[1:]}
            item = AgendaItem.objects.filter(meeting=meeting, pk=queue.get("item")).first()
            form, warnings = _filled(meeting, sentences[0], item)
        else:
            form = TaskForm(initial={"item": _item_from(meeting, request)}, meeting=meeting)
    return render(
        request,
        "cabinet/task_form.html",
        {
            "meeting": meeting,
            "form": form,
            "task": task,
            "warnings": warnings,
            "editable": selectors.record_is_open(access.meeting),
            "queued": _queued(request, queue_key),
        },
    )


def _queued(request: HttpRequest, queue_key: str) -> int:
    """How many pasted sentences still wait to be confirmed."""
    queue = request.session.get(queue_key)
    if not isinstance(queue, dict) or not isinstance(queue.get("sentences"), list):
        return 0
    return len(queue["sentences"])


def _item_from(meeting: Any, request: HttpRequest) -> AgendaItem | None:
    item_id = _item_id(request.GET.get("item"))
    return AgendaItem.objects.filter(meeting=meeting, pk=item_id).first() if item_id else None


def _filled(meeting: Any, sentence: str, item: AgendaItem | None) -> tuple[TaskForm, list[str]]:
    values, parsed = parse_into_fields(sentence)
    values["item"] = item.pk if item else None
    warnings = list(parsed.warnings)
    if parsed.unknown_units:
        warnings.append(
            _("Không có trong danh sách đơn vị: %(names)s. Hãy chọn đơn vị tương ứng.")
            % {"names": ", ".join(parsed.unknown_units)}
        )
    return TaskForm(initial=values, meeting=meeting), warnings


ADD_TASK = "form.task.add"  # the receipt's name for a task added from the task form


def _already_added(request: HttpRequest, access: MeetingAccess) -> HttpResponse:
    """The task form was sent again (Back, then Lưu nhiệm vụ): the task is not added twice."""
    messages.info(request, _("Nhiệm vụ này đã được lưu từ lần gửi trước; không thêm lần nữa."))
    return redirect("cabinet:conclusions", meeting_id=access.meeting.pk)


def _save_task(
    request: HttpRequest, access: MeetingAccess, task: Task | None, data: dict[str, Any]
) -> bool | None:
    """True when saved, None when refused (the message is reported), False when this form had
    already added its task."""
    actor = current_user(request)
    fields = {
        "lead_unit_id": data["lead_unit"].pk if data.get("lead_unit") else None,
        "coordinating_unit_ids": [u.pk for u in data.get("coordinating_units") or []],
        "with_related_units": bool(data.get("with_related_units")),
        "content": data.get("content", ""),
        "deadline": data.get("deadline"),
        "report_to": data.get("report_to", ""),
    }
    item_id = data["item"].pk if data.get("item") else None
    try:
        if task is None:

            def create() -> tuple[Meeting, dict[str, object]]:
                added = conclusion_services.add_task(
                    actor=actor,
                    meeting=access.meeting,
                    item_id=item_id,
                    source_text=data.get("sentence", ""),
                    **fields,
                )
                return access.meeting, {"task": added.pk}

            _result, created = once.create_once(
                actor=actor, token=data.get("form_token", ""), name=ADD_TASK, create=create
            )
            if not created:
                return False
        else:
            conclusion_services.update_task(
                actor=actor,
                meeting=access.meeting,
                task_id=task.pk,
                item_id=item_id,
                source_text=data.get("sentence", ""),
                **fields,
            )
    except ServiceError as error:
        report(request, error)
        return None
    return True


def _after_save(request: HttpRequest, access: MeetingAccess, task: Task | None) -> HttpResponse:
    meeting_id = access.meeting.pk
    if task is None and _queued(request, QUEUE_KEY.format(meeting=meeting_id)):
        messages.success(
            request, _("Đã lưu nhiệm vụ. Tiếp theo là nhiệm vụ sau trong đoạn đã dán.")
        )
        return redirect("cabinet:task_new", meeting_id=meeting_id)
    messages.success(request, _("Đã lưu nhiệm vụ."))
    return redirect("cabinet:conclusions", meeting_id=meeting_id)


@login_required
@require_POST
def task_queue_clear(request: HttpRequest, meeting_id: int) -> HttpResponse:
    recording_meeting(request, meeting_id)
    request.session.pop(QUEUE_KEY.format(meeting=meeting_id), None)
    messages.info(request, _("Đã bỏ các câu giao nhiệm vụ còn chờ."))
    return redirect("cabinet:conclusions", meeting_id=meeting_id)


@login_required
@require_POST
def task_delete(request: HttpRequest, meeting_id: int, task_id: int) -> HttpResponse:
    access = recording_meeting(request, meeting_id)
    task = _task(access, task_id)
    try:
        conclusion_services.delete_task(
            actor=current_user(request), meeting=access.meeting, task_id=task.pk
        )
    except ServiceError as error:
        report(request, error)
    else:
        messages.success(request, _("Đã xóa nhiệm vụ."))
    return redirect("cabinet:conclusions", meeting_id=meeting_id)
