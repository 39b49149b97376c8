from cabinet.models.agenda import AgendaItem
from cabinet.models.documents import (
    PROCESSING_STATUSES,
    VERSION_FAILURES,
    PageText,
    Paper,
    PaperKind,
    PaperVersion,
    SourceKind,
    VersionStatus,
)
from cabinet.models.events import MeetingEvent
from cabinet.models.meetings import ALLOWED_TRANSITIONS, Meeting, MeetingKind, MeetingStatus
from cabinet.models.participants import ORGANIZER_ROLES, Participant, ParticipantRole
from cabinet.models.reading import (
    AnchorStatus,
    NoteColor,
    PaperComment,
    PaperNote,
    PaperRead,
)
from cabinet.models.units import Unit, UnitKind
from cabinet.models.users import User

__all__ = [
    "ALLOWED_TRANSITIONS",
    "ORGANIZER_ROLES",
    "PROCESSING_STATUSES",
    "VERSION_FAILURES",
    "AgendaItem",
    "AnchorStatus",
    "Meeting",
    "MeetingEvent",
    "MeetingKind",
    "MeetingStatus",
    "NoteColor",
    "PageText",
    "Paper",
    "PaperComment",
    "PaperKind",
    "PaperNote",
    "PaperRead",
    "PaperVersion",
    "Participant",
    "ParticipantRole",
    "SourceKind",
    "Unit",
    "UnitKind",
    "User",
    "VersionStatus",
]
