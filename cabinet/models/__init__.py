from cabinet.models.agenda import AgendaItem
from cabinet.models.documents import Paper, PaperKind, PaperVersion
from cabinet.models.events import MeetingEvent
from cabinet.models.meetings import ALLOWED_TRANSITIONS, Meeting, MeetingKind, MeetingStatus
from cabinet.models.participants import ORGANIZER_ROLES, Participant, ParticipantRole
from cabinet.models.units import Unit, UnitKind
from cabinet.models.users import User

__all__ = [
    "ALLOWED_TRANSITIONS",
    "ORGANIZER_ROLES",
    "AgendaItem",
    "Meeting",
    "MeetingEvent",
    "MeetingKind",
    "MeetingStatus",
    "Paper",
    "PaperKind",
    "PaperVersion",
    "Participant",
    "ParticipantRole",
    "Unit",
    "UnitKind",
    "User",
]
