"""What a meeting socket reads (realtime.consumers runs these in its database thread): whether
it may listen, the scopes of the events it receives, and what a tablet needs to catch up.
The visibility rules themselves are cabinet.meetings.selectors'."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import translation

from cabinet.core.permissions import can_see_meeting, participant_for
from cabinet.live.snapshot import snapshot_for
from cabinet.meetings.selectors import visible_scopes
from cabinet.models import Meeting, MeetingEvent, Participant, User
from cabinet.trust import sessions
from cabinet.trust.two_factor import State, second_factor_state
from realtime import events


@dataclass(frozen=True)
class Admission:
    last_seq: int
    scopes: frozenset[str] | None  # of the events the socket receives (cabinet.meetings.selectors)


def admission(user: Any, session: Any, meeting_id: int) -> Admission | None:
    """The meeting's last seq and what the user may see of it, if they may listen to it, else
    None. A session that still owes its second factor (cabinet/trust/two_factor.py) may listen to
    nothing, as its pages show nothing."""
    if second_factor_state(user, session) is not State.OK:
        return None
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        return None
    participant = participant_for(user, meeting)
    if participant is None or not can_see_meeting(participant, meeting):
        return None
    # Read after the meeting's last seq: an agenda change in between is heard after the hello
    # and makes the socket read its scopes again.
    return Admission(meeting.last_seq, visible_scopes(participant))


def scopes_now(user: Any, meeting_id: int) -> frozenset[str] | bool | None:
    """The scopes the user holds in the meeting now, or False if they may no longer listen."""
    meeting = Meeting.objects.filter(pk=meeting_id).only("id", "status").first()
    participant = participant_for(user, meeting) if meeting else None
    if meeting is None or participant is None or not can_see_meeting(participant, meeting):
        return False
    return visible_scopes(participant)


def catch_up(user: Any, meeting_id: int, after: int | None, language: str) -> dict[str, Any]:
    """What a tablet that has seen events up to `after` needs: the events since (as it may
    receive them), or a snapshot; and the scopes it holds now.

    The snapshot's seq is read before its content, so an event committed while it is being read
    is also sent afterwards; applying an event twice changes nothing on the tablet.
    """
    meeting = Meeting.objects.filter(pk=meeting_id).only("id", "last_seq", "status").first()
    participant = participant_for(user, meeting) if meeting else None
    if meeting is None or not can_see_meeting(participant, meeting):
        return {"gone": True}
    assert participant is not None
    last = meeting.last_seq
    scopes = visible_scopes(participant)
    if after is not None and after > last:
        after = None  # a seq from the future (a restored database): start afresh
    if after is not None and last - after <= events.REPLAY_LIMIT:
        rows = MeetingEvent.objects.filter(meeting_id=meeting_id, seq__gt=after, seq__lte=last)
        replay = [
            events.event_message(seq, kind, scope, payload, scopes)
            for seq, kind, scope, payload in rows.order_by("seq").values_list(
                "seq", "type", "scope", "payload"
            )
            if seq is not None  # always, by the filter: access records have none
        ]
        return {"events": replay, "seq": last, "scopes": scopes}
    with translation.override(language):
        snapshot = snapshot_for(Participant.objects.get(pk=participant.pk))
    return {"snapshot": snapshot, "seq": last, "scopes": scopes}


def socket_session_ended(user: Any, session_key: str | None, *, touch: bool) -> bool:
    """Whether the socket's session has ended (the rules: cabinet.trust.sessions, as for pages);
    if not and `touch`, the session is noted as in use. Read afresh: pages change the session
    too."""
    if session_key is None:
        return False  # no session cookie: the AuthMiddleware found no user, refused earlier
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if SESSION_KEY not in store:
        return True  # signed out or flushed elsewhere
    current = User.objects.filter(pk=user.pk, is_active=True).only("sessions_valid_after").first()
    if current is None or sessions.session_ended(store, current) is not None:
        return True
    if touch and sessions.touch(store):
        store.save()
    return False
