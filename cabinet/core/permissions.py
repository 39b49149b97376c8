"""Who may do what. Pure functions of (user, object); views, services and sockets all ask here.

A non-participant sees nothing and gets 404 rather than 403, so that the existence of a meeting
does not leak; a draft meeting is visible to its chair and secretaries only. Which items and papers
a participant sees is a query: cabinet.meetings.selectors.visible_items_filter.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from cabinet.models import (
    Meeting,
    MeetingStatus,
    Participant,
    ParticipantRole,
    User,
)

AnyUser = User | AnonymousUser


def participant_for(user: AnyUser, meeting: Meeting) -> Participant | None:
    if not user.is_authenticated or not user.is_active:
        return None
    return Participant.objects.filter(meeting=meeting, user=user).first()


def can_organize_meetings(user: AnyUser) -> bool:
    """Secretariat staff (Văn phòng UBND) create meetings."""
    return bool(
        user.is_authenticated and user.is_active and user.has_perm("cabinet.organize_meetings")
    )


def can_see_meeting(participant: Participant | None, meeting: Meeting) -> bool:
    if participant is None:
        return False
    if meeting.status == MeetingStatus.DRAFT:
        return participant.is_organizer
    return True


def can_manage_meeting(participant: Participant | None) -> bool:
    """Prepare the meeting: participants, agenda, papers, publishing. The secretary's work."""
    return participant is not None and participant.role == ParticipantRole.SECRETARY


def can_run_meeting(participant: Participant | None) -> bool:
    """Start and end the meeting: the chair or a secretary."""
    return participant is not None and participant.is_organizer


def can_record_conclusions(participant: Participant | None) -> bool:
    """Record conclusions and tasks, and edit and issue the conclusion notice: the meeting's
    secretary and its chair, nobody else."""
    return participant is not None and participant.is_organizer


def can_approve_notice(participant: Participant | None) -> bool:
    """The notice states what the chair concluded: the chair approves it (the secretary may
    then issue it)."""
    return participant is not None and participant.role == ParticipantRole.CHAIR


def can_follow_up_tasks(user: AnyUser) -> bool:
    """See every tracked task, confirm completions and export: the office (Văn phòng UBND) and
    the committee's leaders, through the ``cabinet.follow_up_tasks`` permission."""
    return bool(
        user.is_authenticated and user.is_active and user.has_perm("cabinet.follow_up_tasks")
    )
