"""Ending a meeting's session: the meeting's status, then the room (the speech under way, the
clock, the presenter). Here rather than in cabinet.meetings, which the room builds on."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cabinet.core.errors import ServiceError
from cabinet.core.event_types import Event
from cabinet.core.permissions import can_run_meeting, participant_for
from cabinet.live.services.room import stop_room
from cabinet.live.services.speakers import end_current_speech
from cabinet.meetings.services.meetings import transition
from cabinet.models import Meeting, MeetingStatus, User


@transaction.atomic
def end_meeting(*, actor: User, meeting: Meeting) -> Meeting:
    if not can_run_meeting(participant_for(actor, meeting)):
        raise ServiceError(_("Chỉ chủ trì hoặc thư ký mới được kết thúc cuộc họp."))
    ended = transition(
        actor=actor, meeting=meeting, to=MeetingStatus.ENDED, event=Event.MEETING_ENDED
    )
    end_current_speech(actor=actor, meeting=ended)
    stop_room(actor=actor, meeting=ended)
    return ended
