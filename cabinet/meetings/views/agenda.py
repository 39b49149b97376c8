"""The secretary builds the agenda: add, edit, remove, and reorder (buttons or drag and drop)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cabinet.core.errors import ServiceError
from cabinet.core.http import current_user, report
from cabinet.core.text import vietnamese_sort_key
from cabinet.meetings import selectors
from cabinet.meetings.forms import AgendaItemForm
from cabinet.meetings.http import managed_meeting
from cabinet.meetings.services import agenda as agenda_services
from cabinet.meetings.services import once
from cabinet.models import AgendaItem, Meeting


def _item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = AgendaItem.objects.filter(meeting=meeting, pk=item_id).first()
    if item is None:
        raise Http404
    return item


def _mark_audiences(agenda: list[AgendaItem]) -> None:
    """Give each restricted item ``audience_names``: who may see it, for the mark's hover text."""
    items = [i for top in agenda for i in (top, *getattr(top, "visible_children", []))]
    restricted = {item.pk: item for item in items if item.restricted}
    names: dict[int, list[str]] = {pk: [] for pk in restricted}
    links = AgendaItem.audience.through.objects.filter(agendaitem_id__in=restricted)
    for item_id, full_name, username in links.values_list(
        "agendaitem_id", "participant__user__full_name", "participant__user__username"
    ):
        names[item_id].append(full_name or username)
    for pk, item in restricted.items():
        item.audience_names = ", ".join(sorted(names[pk], key=vietnamese_sort_key))


@login_required
def agenda_edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The agenda editor: the ordered list with its controls and the form to add an item."""
    access = managed_meeting(request, meeting_id)
    meeting = access.meeting
    actor = current_user(request)
    if once.created_by(actor, request.POST.get("form_token", ""), ADD_ITEM) is not None:
        return _already_added(request, meeting)
    form = AgendaItemForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "form_token"}

        def create() -> tuple[Meeting, dict[str, object]]:
            item = agenda_services.add_agenda_item(actor=actor, meeting=meeting, **data)
            return meeting, {"item": item.pk}

        try:
            _result, created = once.create_once(
                actor=actor, token=form.cleaned_data["form_token"], name=ADD_ITEM, create=create
            )
        except ServiceError as error:
            report(request, error)
        else:
            if not created:
                return _already_added(request, meeting)
            messages.success(request, _("Đã thêm nội dung vào chương trình."))
            return redirect("cabinet:agenda", meeting_id=meeting.pk)
    agenda = selectors.agenda_for(access.participant)
    _mark_audiences(agenda)
    return render(
        request, "cabinet/agenda_edit.html", {"meeting": meeting, "agenda": agenda, "form": form}
    )


ADD_ITEM = "form.agenda.add"  # the receipt's name for an item added from the agenda's form


def _already_added(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    messages.info(
        request,
        _("Nội dung này đã được thêm từ lần gửi trước; không thêm lần nữa."),
    )
    return redirect("cabinet:agenda", meeting_id=meeting.pk)


@login_required
def agenda_item_edit(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    access = managed_meeting(request, meeting_id)
    item = _item(access.meeting, item_id)
    form = AgendaItemForm(
        request.POST or None,
        meeting=access.meeting,
        item=item,
        initial=AgendaItemForm.initial_from(item),
    )
    if request.method == "POST" and form.is_valid():
        try:
            agenda_services.update_agenda_item(
                actor=current_user(request), item=item, **form.cleaned_data
            )
        except ServiceError as error:
            report(request, error)
        else:
            messages.success(request, _("Đã lưu nội dung."))
            return redirect("cabinet:agenda", meeting_id=meeting_id)
    return render(
        request,
        "cabinet/agenda_item_form.html",
        {"meeting": access.meeting, "item": item, "form": form},
    )


@login_required
@require_POST
def agenda_item_move(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    access = managed_meeting(request, meeting_id)
    item = _item(access.meeting, item_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    try:
        agenda_services.move_agenda_item(actor=current_user(request), item=item, offset=offset)
    except ServiceError as error:
        report(request, error)
    return redirect("cabinet:agenda", meeting_id=meeting_id)


@login_required
@require_POST
def agenda_item_remove(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    access = managed_meeting(request, meeting_id)
    item = _item(access.meeting, item_id)
    try:
        agenda_services.remove_agenda_item(actor=current_user(request), item=item)
    except ServiceError as error:
        report(request, error)
    else:
        messages.success(request, _("Đã xóa nội dung “%(title)s”.") % {"title": item.title})
    return redirect("cabinet:agenda", meeting_id=meeting_id)


@login_required
@require_POST
def agenda_reorder(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Drag and drop: the page posts the new order of one level as JSON {"parent", "order"}."""
    access = managed_meeting(request, meeting_id)
    try:
        body = json.loads(request.body)
        parent_id = body.get("parent")
        order = [int(i) for i in body["order"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return JsonResponse({"error": _("Dữ liệu sắp xếp không hợp lệ.")}, status=400)
    parent = _item(access.meeting, int(parent_id)) if parent_id else None
    try:
        agenda_services.reorder_agenda(
            actor=current_user(request), meeting=access.meeting, parent=parent, ordered_ids=order
        )
    except ServiceError as error:
        return JsonResponse({"error": str(error)}, status=409)
    return JsonResponse({"ok": True})
