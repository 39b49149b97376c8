"""Build and reorder the agenda. Positions are 1..n among siblings, rewritten under the meeting lock."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from cabinet.core.errors import ServiceError
from cabinet.core.event_types import Event
from cabinet.core.events import record_event
from cabinet.meetings.payloads import (
    AgendaItemAddedPayload,
    AgendaItemPayload,
    AgendaReorderedPayload,
)
from cabinet.meetings.selectors import MEETING_SCOPE, item_scope
from cabinet.meetings.services.meetings import lock_meeting, require_editable, require_manager
from cabinet.models import AgendaItem, Meeting, Participant, Unit, User


def _check_parent(meeting: Meeting, parent: AgendaItem | None) -> None:
    if parent is None:
        return
    if parent.meeting_id != meeting.pk:
        raise ServiceError(_("Nội dung cha không thuộc cuộc họp này."))
    if parent.parent_id is not None:
        raise ServiceError(_("Chương trình chỉ cho phép một cấp nội dung con."))


def _check_audience(meeting: Meeting, audience: Iterable[Participant]) -> list[Participant]:
    people = list(audience)
    if any(p.meeting_id != meeting.pk for p in people):
        raise ServiceError(_("Người được chọn không thuộc thành phần cuộc họp này."))
    return people


def _check_presenter(presenter: User | None) -> None:
    if presenter is not None and not presenter.is_active:
        raise ServiceError(_("Người trình bày đã bị khóa tài khoản."))


@transaction.atomic
def add_agenda_item(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    parent: AgendaItem | None = None,
    description: str = "",
    presenter_unit: Unit | None = None,
    presenter: User | None = None,
    planned_minutes: int = 15,
    restricted: bool = False,
    audience: Iterable[Participant] = (),
) -> AgendaItem:
    """Append an item (or a sub-item under `parent`) at the end of its level."""
    require_manager(actor, meeting)
    locked = lock_meeting(meeting)
    require_editable(locked)
    _check_parent(locked, parent)
    _check_presenter(presenter)
    people = _check_audience(locked, audience)
    last = AgendaItem.objects.filter(meeting=locked, parent=parent).aggregate(m=Max("position"))[
        "m"
    ]
    item = AgendaItem.objects.create(
        meeting=locked,
        parent=parent,
        position=(last or 0) + 1,
        title=title.strip(),
        description=description.strip(),
        presenter_unit=presenter_unit,
        presenter=presenter,
        planned_minutes=planned_minutes,
        restricted=restricted,
    )
    item.audience.set(people)
    record_event(
        meeting=locked,
        type=Event.AGENDA_ITEM_ADDED,
        payload=AgendaItemAddedPayload(item=item.pk, parent=parent.pk if parent else None),
        actor=actor,
        scope=item_scope(item.pk),
    )
    return item


@transaction.atomic
def update_agenda_item(
    *,
    actor: User,
    item: AgendaItem,
    title: str,
    description: str = "",
    presenter_unit: Unit | None = None,
    presenter: User | None = None,
    planned_minutes: int = 15,
    restricted: bool = False,
    audience: Iterable[Participant] = (),
) -> AgendaItem:
    require_manager(actor, item.meeting)
    locked = lock_meeting(item.meeting)
    require_editable(locked)
    _check_presenter(presenter)
    people = _check_audience(locked, audience)
    item.title = title.strip()
    item.description = description.strip()
    item.presenter_unit = presenter_unit
    item.presenter = presenter
    item.planned_minutes = planned_minutes
    item.restricted = restricted
    item.save()
    item.audience.set(people)
    record_event(
        meeting=locked,
        type=Event.AGENDA_ITEM_UPDATED,
        payload=AgendaItemPayload(item=item.pk),
        actor=actor,
        scope=item_scope(item.pk),
    )
    return item


@transaction.atomic
def remove_agenda_item(*, actor: User, item: AgendaItem) -> None:
    """Only an item without papers can go: removing it must never delete a paper by accident."""
    require_manager(actor, item.meeting)
    locked = lock_meeting(item.meeting)
    require_editable(locked)
    if item.papers.exists() or any(child.papers.exists() for child in item.children.all()):
        raise ServiceError(_("Nội dung này còn tài liệu; hãy chuyển hoặc gỡ tài liệu trước."))
    parent_id, item_id = item.parent_id, item.pk
    item.delete()
    _renumber(locked, parent_id)
    record_event(
        meeting=locked,
        type=Event.AGENDA_ITEM_REMOVED,
        payload=AgendaItemPayload(item=item_id),
        actor=actor,
        scope=item_scope(item_id),
    )


@transaction.atomic
def reorder_agenda(
    *, actor: User, meeting: Meeting, parent: AgendaItem | None, ordered_ids: Sequence[int]
) -> None:
    """Set the order of one level of the agenda. `ordered_ids` must be exactly that level's items."""
    require_manager(actor, meeting)
    locked = lock_meeting(meeting)
    require_editable(locked)
    _check_parent(locked, parent)
    siblings = {i.pk: i for i in AgendaItem.objects.filter(meeting=locked, parent=parent)}
    if sorted(ordered_ids) != sorted(siblings) or len(set(ordered_ids)) != len(ordered_ids):
        raise ServiceError(
            _("Thứ tự gửi lên không khớp với chương trình hiện tại; hãy tải lại trang.")
        )
    for position, item_id in enumerate(ordered_ids, start=1):
        item = siblings[item_id]
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    record_event(
        meeting=locked,
        type=Event.AGENDA_REORDERED,
        payload=AgendaReorderedPayload(
            parent=parent.pk if parent else None, order=list(ordered_ids)
        ),
        actor=actor,
        # Ids only: every tablet numbers the items over the whole agenda (meetings.selectors.item_numbers).
        scope=MEETING_SCOPE,
    )


@transaction.atomic
def move_agenda_item(*, actor: User, item: AgendaItem, offset: int) -> None:
    """Move an item up (offset -1) or down (+1) among its siblings: the buttons' shortcut."""
    lock_meeting(item.meeting)  # read the order under the same lock that reorder_agenda takes
    order = list(
        AgendaItem.objects.filter(meeting_id=item.meeting_id, parent_id=item.parent_id)
        .order_by("position")
        .values_list("pk", flat=True)
    )
    index = order.index(item.pk)
    target = index + offset
    if target < 0 or target >= len(order):
        return
    order[index], order[target] = order[target], order[index]
    reorder_agenda(actor=actor, meeting=item.meeting, parent=item.parent, ordered_ids=order)


def _renumber(meeting: Meeting, parent_id: int | None) -> None:
    for position, item in enumerate(
        AgendaItem.objects.filter(meeting=meeting, parent_id=parent_id).order_by("position"),
        start=1,
    ):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
