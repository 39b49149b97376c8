"""The names of the meeting's events (the type of each row of its event log)."""

from __future__ import annotations

from enum import StrEnum


class Event(StrEnum):
    """Every type in the meeting's event log (MeetingEvent.type): the one list of their names.
    The tablets' JS names the ones it handles in cabinet/static/cabinet/js/live/protocol.js
    (tests/realtime/test_protocol_names.py checks them against this). Access records
    (PAPER_CACHED_OFFLINE, PAPER_DOWNLOADED, PAPER_VIEWED, RECORD_DOWNLOADED) are kept but never
    broadcast (cabinet.core.events.record_access). No imports: models may use it too."""

    AGENDA_ITEM_ADDED = "agenda.item_added"
    AGENDA_ITEM_REMOVED = "agenda.item_removed"
    AGENDA_ITEM_UPDATED = "agenda.item_updated"
    AGENDA_REORDERED = "agenda.reordered"
    ATTENDANCE_CHANGED = "attendance.changed"
    CONCLUSION_RECORDED = "conclusion.recorded"
    CONCLUSION_REMOVED = "conclusion.removed"
    ITEM_CURRENT = "item.current"
    MEETING_ARCHIVED = "meeting.archived"
    MEETING_CONCLUDED = "meeting.concluded"
    MEETING_CREATED = "meeting.created"
    MEETING_ENDED = "meeting.ended"
    MEETING_PUBLISHED = "meeting.published"
    MEETING_STARTED = "meeting.started"
    MEETING_UPDATED = "meeting.updated"
    NOTICE_ISSUED = "notice.issued"
    PAPER_ADDED = "paper.added"
    PAPER_CACHED_OFFLINE = "paper.cached_offline"
    PAPER_DOWNLOADED = "paper.downloaded"
    PAPER_REJECTED = "paper.rejected"
    PAPER_UPLOADED = "paper.uploaded"
    PAPER_VERSION_ADDED = "paper.version_added"
    PAPER_VIEWED = "paper.viewed"
    PARTICIPANT_INVITED = "participant.invited"
    PARTICIPANT_REMOVED = "participant.removed"
    POLL_CLOSED = "poll.closed"
    POLL_CREATED = "poll.created"
    POLL_OPENED = "poll.opened"
    POLL_PUBLISHED = "poll.published"
    POLL_RESET = "poll.reset"
    PRESENTER_CHANGED = "presenter.changed"
    PRESENTER_PAGE = "presenter.page"
    RECORD_DOWNLOADED = "record.downloaded"
    SPEAKER_ENDED = "speaker.ended"
    SPEAKER_FLOOR = "speaker.floor"
    SPEAKER_REORDERED = "speaker.reordered"
    SPEAKER_REQUESTED = "speaker.requested"
    SPEAKER_WITHDRAWN = "speaker.withdrawn"
    TASK_ADDED = "task.added"
    TASK_CHANGED = "task.changed"
    TASK_REMOVED = "task.removed"
    TIMER_CHANGED = "timer.changed"
