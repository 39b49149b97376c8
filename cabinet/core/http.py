"""Helpers shared by the views: access checks that turn into 404/403, and service error display."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from cabinet.core.errors import ServiceError
from cabinet.core.permissions import can_manage_meeting
from cabinet.meetings.selectors import MeetingAccess, meeting_access
from cabinet.models import User


def current_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def managed_meeting(request: HttpRequest, meeting_id: int) -> MeetingAccess:
    """The meeting for its secretary; 404 for non-participants, 403 for other participants."""
    access = meeting_access(request.user, meeting_id)
    if not can_manage_meeting(access.participant):
        raise PermissionDenied
    return access


def report(request: HttpRequest, error: ServiceError) -> None:
    messages.error(request, str(error))
