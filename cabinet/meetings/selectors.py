"""Reads, always filtered by what the user may see (see cabinet.core.permissions for the rules)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cabinet.core.event_types import Event
from cabinet.core.permissions import AnyUser, can_see_meeting, participant_for
from cabinet.core.workdays import Calendar, notice_deadline
from cabinet.models import (
    ORGANIZER_ROLES,
    AgendaItem,
    Conclusion,
    ConclusionNotice,
    Meeting,
    MeetingEvent,
    MeetingStatus,
    NoticeStatus,
    Paper,
    PaperRead,
    PaperVersion,
    Participant,
    ParticipantRole,
    Poll,
    PollState,
    Task,
    User,
    VersionStatus,
)


def meetings_for(user: AnyUser) -> QuerySet[Meeting]:
    """Meetings the user takes part in; drafts only for their chair and secretaries."""
    if not user.is_authenticated or not user.is_active:
        return Meeting.objects.none()
    mine = Participant.objects.filter(meeting=OuterRef("pk"), user=user)
    organizer = mine.filter(role__in=ORGANIZER_ROLES)
    return (
        Meeting.objects.filter(Exists(mine))
        .filter(~Q(status=MeetingStatus.DRAFT) | Exists(organizer))
        .select_related("organizer_unit")
    )


@dataclass(frozen=True)
class MeetingAccess:
    meeting: Meeting
    participant: Participant


def meeting_access(user: AnyUser, meeting_id: int) -> MeetingAccess:
    """The meeting and the user's participation in it, or 404 (no existence leak)."""
    meeting = Meeting.objects.select_related("organizer_unit").filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404
    participant = participant_for(user, meeting)
    if participant is None or not can_see_meeting(participant, meeting):
        raise Http404
    return MeetingAccess(meeting=meeting, participant=participant)


def visible_items_filter(participant: Participant) -> Q:
    """Agenda items the participant sees.

    Chair and secretaries: all. Guests: only items they are invited to (listed in the audience).
    Members and observers: every item that is not restricted, and restricted ones they are listed on.
    """
    if participant.role in ORGANIZER_ROLES:
        return Q()
    listed = Q(audience=participant)
    if participant.role == ParticipantRole.GUEST:
        return listed
    return listed | Q(restricted=False)


def item_viewers_filter(item: AgendaItem) -> Q:
    """Participants who see the item: visible_items_filter read the other way (one rule in two
    forms, side by side; tests/cabinet/voting/test_restricted_polls.py checks that they agree)."""
    listed = Q(pk__in=item.audience.values("pk"))
    organizers = Q(role__in=ORGANIZER_ROLES)
    if item.restricted:
        return organizers | listed
    return organizers | listed | ~Q(role=ParticipantRole.GUEST)


def reads_meeting_papers(participant: Participant) -> bool:
    """Papers attached to no item: everyone but guests, who read only the items they are
    invited to."""
    return participant.role != ParticipantRole.GUEST


# --- What a live event may reveal ----------------------------------------------------------------
# Every sequenced event (cabinet.core.events.record_event) has a scope: who may receive it.
# A tablet receives an event whose scope it holds; for any other it learns only that its sequence
# number was used (realtime.events.hidden_message). The same scopes filter live delivery, the
# replay and, through visible_items_filter, the snapshot.
MEETING_SCOPE = ""  # everyone in the meeting
MEETING_PAPERS_SCOPE = "papers"  # papers attached to no item (reads_meeting_papers)


def item_scope(item_id: int | None) -> str:
    """The scope of an event about an agenda item (None: the meeting as a whole)."""
    return MEETING_SCOPE if item_id is None else f"item:{item_id}"


def paper_scope(paper: Paper) -> str:
    """The scope of an event that names a paper: its item's, or the meeting papers'."""
    if paper.agenda_item_id is None:
        return MEETING_PAPERS_SCOPE
    return item_scope(paper.agenda_item_id)


def visible_scopes(participant: Participant) -> frozenset[str] | None:
    """The scopes of the events the participant receives; None: all of them (chair, secretaries:
    also those of items removed since, which nobody else receives)."""
    if participant.role in ORGANIZER_ROLES:
        return None
    items = AgendaItem.objects.filter(meeting_id=participant.meeting_id).filter(
        visible_items_filter(participant)
    )
    scopes = {MEETING_SCOPE, *(item_scope(pk) for pk in items.values_list("pk", flat=True))}
    if reads_meeting_papers(participant):
        scopes.add(MEETING_PAPERS_SCOPE)
    return frozenset(scopes)


def _readable(participant: Participant) -> Q:
    """Organizers see a paper from its upload on (with its processing state); everyone else only
    once a version of it is ready."""
    if participant.role in ORGANIZER_ROLES:
        return Q()
    ready = PaperVersion.objects.filter(paper=OuterRef("pk"), status=VersionStatus.READY)
    return Q(Exists(ready))


def _papers_with_versions(participant: Participant) -> QuerySet[Paper]:
    return Paper.objects.filter(_readable(participant)).prefetch_related(
        Prefetch("versions", queryset=PaperVersion.objects.order_by("-number"))
    )


def mark_unread_updates(participant: Participant, papers: list[Paper]) -> None:
    """Set `seen_number` on each paper: the newest version the user has opened (0 if never), so a
    page can flag a replaced paper ("Có phiên bản mới")."""
    seen = dict(
        PaperRead.objects.filter(user_id=participant.user_id, paper__in=papers).values_list(
            "paper_id", "version_number"
        )
    )
    for paper in papers:
        paper.seen_number = seen.get(paper.pk, 0)  # type: ignore[attr-defined]


def agenda_for(participant: Participant) -> list[AgendaItem]:
    """Top-level items in order, each with its visible sub-items attached as `visible_children`.

    A sub-item is shown only under a visible parent. Papers are prefetched per item: every readable
    paper of a visible item is visible, and an invisible item's papers are never loaded.
    """
    items = (
        AgendaItem.objects.filter(meeting_id=participant.meeting_id)
        .filter(visible_items_filter(participant))
        .distinct()
        .select_related("presenter_unit", "presenter")
        .prefetch_related(
            Prefetch("papers", queryset=_papers_with_versions(participant).order_by("created_at"))
        )
        .order_by("position")
    )
    by_parent: dict[int | None, list[AgendaItem]] = {}
    papers: list[Paper] = []
    for item in items:
        by_parent.setdefault(item.parent_id, []).append(item)
        papers.extend(item.papers.all())
    mark_unread_updates(participant, papers)
    top = by_parent.get(None, [])
    for item in top:
        item.visible_children = by_parent.get(item.pk, [])  # type: ignore[attr-defined]
    return top


def replaced_since_read(agenda: list[AgendaItem], meeting_papers: list[Paper]) -> list[Paper]:
    """Papers the user opened before and that have a newer ready version since (for the notice on
    the meeting page). Uses the `seen_number` that agenda_for/meeting_level_papers set."""
    papers = list(meeting_papers)
    for item in agenda:
        papers.extend(item.papers.all())
        for child in item.visible_children:  # type: ignore[attr-defined]
            papers.extend(child.papers.all())
    updated = []
    for paper in papers:
        current = paper.current_version
        seen = getattr(paper, "seen_number", 0)
        if current is not None and 0 < seen < current.number:
            updated.append(paper)
    return updated


def papers_for(participant: Participant) -> QuerySet[Paper]:
    """Papers of the meeting the participant may open: meeting-level ones and those of visible items."""
    visible_items = AgendaItem.objects.filter(meeting_id=participant.meeting_id).filter(
        visible_items_filter(participant)
    )
    condition = Q(agenda_item__in=visible_items)
    if reads_meeting_papers(participant):
        condition |= Q(agenda_item__isnull=True)
    return (
        Paper.objects.filter(meeting_id=participant.meeting_id)
        .filter(condition)
        .filter(_readable(participant))
    )


def paper_version_for(
    user: AnyUser, paper_id: int, number: int
) -> tuple[PaperVersion, Participant]:
    """The version if it is ready and the user may read its paper, else 404."""
    version = (
        PaperVersion.objects.select_related("paper__meeting", "paper__agenda_item")
        .filter(paper_id=paper_id, number=number, status=VersionStatus.READY)
        .first()
    )
    if version is None:
        raise Http404
    access = meeting_access(user, version.paper.meeting_id)
    if not papers_for(access.participant).filter(pk=paper_id).exists():
        raise Http404
    return version, access.participant


def paper_for(user: AnyUser, paper_id: int) -> tuple[Paper, Participant]:
    """The paper if the user may read it (it has a ready version, or the user organizes), else 404."""
    paper = Paper.objects.filter(pk=paper_id).only("meeting_id").first()
    if paper is None:
        raise Http404
    access = meeting_access(user, paper.meeting_id)
    found = (
        _papers_with_versions(access.participant)
        .filter(pk__in=papers_for(access.participant).values("pk"))
        .select_related("meeting", "agenda_item")
        .filter(pk=paper_id)
        .first()
    )
    if found is None:
        raise Http404
    return found, access.participant


def meeting_level_papers(participant: Participant) -> list[Paper]:
    papers = list(
        _papers_with_versions(participant)
        .filter(pk__in=papers_for(participant).values("pk"))
        .filter(agenda_item__isnull=True)
        .order_by("created_at")
    )
    mark_unread_updates(participant, papers)
    return papers


def participants_of(meeting: Meeting) -> QuerySet[Participant]:
    return meeting.participants.select_related("user__unit", "substitute_for").order_by(
        "role", "user__full_name"
    )


def invitable_users(meeting: Meeting) -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True)
        .exclude(participations__meeting=meeting)
        .select_related("unit")
        .order_by("unit__name", "full_name")
    )


@dataclass(frozen=True)
class NoticeDue:
    """When the conclusion notice of an ended meeting must be issued (Decision 45/2018)."""

    ended_on: dt.date
    deadline: dt.date
    working_days_left: int  # 0 on the last day, negative when late

    @property
    def overdue(self) -> bool:
        return self.working_days_left < 0

    @property
    def days_late(self) -> int:
        return -self.working_days_left


def notice_due(meeting: Meeting, *, today: dt.date | None = None) -> NoticeDue | None:
    """The notice's deadline for a meeting that has ended and has no notice yet, else None.

    The meeting ended on the day its Event.MEETING_ENDED event was recorded, or on its planned last day
    if that was earlier: a meeting marked ended days late (a secretary who forgot) still ended on
    the day it was held."""
    if meeting.status != MeetingStatus.ENDED:
        return None
    ended = (
        MeetingEvent.objects.filter(meeting=meeting, type=Event.MEETING_ENDED)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    planned = timezone.localdate(meeting.ends_at)
    ended_on = min(timezone.localdate(ended), planned) if ended else planned
    calendar = Calendar.from_settings()
    deadline = notice_deadline(ended_on, calendar)
    left = calendar.working_days_left(today or timezone.localdate(), deadline)
    return NoticeDue(ended_on=ended_on, deadline=deadline, working_days_left=left)


RECORDING_STATUSES = frozenset({MeetingStatus.IN_SESSION, MeetingStatus.ENDED})


def record_is_open(meeting: Meeting) -> bool:
    """Conclusions, tasks and the notice's draft may change while the meeting runs or has ended,
    until the notice is issued (its tasks are then tracked and its text fixed)."""
    return (
        meeting.status in RECORDING_STATUSES
        and not ConclusionNotice.objects.filter(
            meeting=meeting, status=NoticeStatus.ISSUED
        ).exists()
    )


def issued_notice_for(participant: Participant) -> ConclusionNotice | None:
    """The meeting's conclusion notice once issued, if ``participant`` may read it."""
    notice = ConclusionNotice.objects.filter(
        meeting_id=participant.meeting_id, status=NoticeStatus.ISSUED
    ).first()
    return notice if notice is not None and can_read_notice(participant) else None


def can_read_notice(participant: Participant) -> bool:
    """The chair and secretaries read the notice always; any other participant once issued and
    only if it concludes nothing on an agenda item hidden from them (a restricted item, or for a
    guest an item they were not invited to), since the notice quotes every item it concludes."""
    if participant.is_organizer:
        return True
    meeting_id = participant.meeting_id
    concluded = (
        set(
            Conclusion.objects.filter(meeting_id=meeting_id, agenda_item__isnull=False).values_list(
                "agenda_item_id", flat=True
            )
        )
        | set(
            Task.objects.filter(meeting_id=meeting_id, agenda_item__isnull=False).values_list(
                "agenda_item_id", flat=True
            )
        )
        | set(
            Poll.objects.filter(
                meeting_id=meeting_id,
                item__isnull=False,
                state__in=[PollState.CLOSED, PollState.PUBLISHED],
            ).values_list("item_id", flat=True)
        )
    )
    if not concluded:
        return True
    visible = set(
        AgendaItem.objects.filter(meeting_id=meeting_id)
        .filter(visible_items_filter(participant))
        .values_list("pk", flat=True)
    )
    return concluded <= visible


def item_numbers(items: Iterable[AgendaItem]) -> dict[int, str]:
    """'1', '1.1', '2' ... as on the printed agenda, counted over the whole agenda (not the visible
    part) so every tablet calls an item by the same number."""
    items = list(items)
    numbers: dict[int, str] = {}
    top = sorted((i for i in items if i.parent_id is None), key=lambda i: i.position)
    for n, item in enumerate(top, start=1):
        numbers[item.pk] = str(n)
        children = sorted((i for i in items if i.parent_id == item.pk), key=lambda i: i.position)
        for m, child in enumerate(children, start=1):
            numbers[child.pk] = f"{n}.{m}"
    return numbers


@dataclass
class RecordedItem:
    """One agenda item as the conclusions page shows it (``item`` None: the whole meeting)."""

    item: AgendaItem | None
    number: str
    conclusion: str
    tasks: list[Task]
    polls: list[Poll]


def conclusions_record(meeting: Meeting) -> list[RecordedItem]:
    """The meeting-wide part first, then every agenda item in agenda order, each with its
    conclusion, tasks and closed polls. Organizers only (the caller checks): all items."""
    items = list(AgendaItem.objects.filter(meeting=meeting).select_related("presenter_unit"))
    numbers = item_numbers(items)
    items.sort(key=lambda i: tuple(int(n) for n in numbers.get(i.pk, "0").split(".")))
    texts: dict[int | None, str] = dict(
        Conclusion.objects.filter(meeting=meeting).values_list("agenda_item_id", "text")
    )
    tasks: dict[int | None, list[Task]] = {}
    for task in (
        Task.objects.filter(meeting=meeting)
        .select_related("lead_unit")
        .prefetch_related("coordinating_units")
        .order_by("position", "pk")
    ):
        tasks.setdefault(task.agenda_item_id, []).append(task)
    polls: dict[int | None, list[Poll]] = {}
    for poll in Poll.objects.filter(
        meeting=meeting, state__in=[PollState.CLOSED, PollState.PUBLISHED]
    ).order_by("closed_at", "pk"):
        polls.setdefault(poll.item_id, []).append(poll)
    record = [
        RecordedItem(
            item=None,
            number="",
            conclusion=texts.get(None, ""),
            tasks=tasks.get(None, []),
            polls=polls.get(None, []),
        )
    ]
    record += [
        RecordedItem(
            item=item,
            number=numbers.get(item.pk, ""),
            conclusion=texts.get(item.pk, ""),
            tasks=tasks.get(item.pk, []),
            polls=polls.get(item.pk, []),
        )
        for item in items
    ]
    return record
