"""The access check that the secretary's pages share: 404 for non-participants, 403 for others."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from cabinet.core.permissions import can_manage_meeting
from cabinet.meetings.selectors import MeetingAccess, meeting_access


def managed_meeting(request: HttpRequest, meeting_id: int) -> MeetingAccess:
    """The meeting for its secretary; 404 for non-participants, 403 for other participants."""
    access = meeting_access(request.user, meeting_id)
    if not can_manage_meeting(access.participant):
        raise PermissionDenied
    return access
