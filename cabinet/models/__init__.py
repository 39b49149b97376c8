from cabinet.models.agenda import AgendaItem
from cabinet.models.attendance import COUNTS_AS_PRESENT, Attendance, AttendanceStatus
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
from cabinet.models.events import CommandReceipt, MeetingEvent
from cabinet.models.live import (
    ACTIVE_REQUEST_STATUSES,
    ItemClock,
    RequestStatus,
    RoomState,
    SpeakerPosition,
    SpeakerRequest,
)
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
from cabinet.models.voting import (
    DEFAULT_OPTIONS,
    POLL_TRANSITIONS,
    Ballot,
    Poll,
    PollKind,
    PollOption,
    PollRule,
    PollState,
    PollVoter,
    SecretBallot,
    new_receipt,
)

__all__ = [
    "ACTIVE_REQUEST_STATUSES",
    "ALLOWED_TRANSITIONS",
    "COUNTS_AS_PRESENT",
    "DEFAULT_OPTIONS",
    "ORGANIZER_ROLES",
    "POLL_TRANSITIONS",
    "PROCESSING_STATUSES",
    "VERSION_FAILURES",
    "AgendaItem",
    "AnchorStatus",
    "Attendance",
    "AttendanceStatus",
    "Ballot",
    "CommandReceipt",
    "ItemClock",
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
    "Poll",
    "PollKind",
    "PollOption",
    "PollRule",
    "PollState",
    "PollVoter",
    "RequestStatus",
    "RoomState",
    "SecretBallot",
    "SourceKind",
    "SpeakerPosition",
    "SpeakerRequest",
    "Unit",
    "UnitKind",
    "User",
    "VersionStatus",
    "new_receipt",
]
