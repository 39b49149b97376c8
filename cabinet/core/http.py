"""Helpers shared by every context's views: the signed-in user, and a refused action's message."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest

from cabinet.core.errors import ServiceError
from cabinet.models import User


def current_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def report(request: HttpRequest, error: ServiceError) -> None:
    messages.error(request, str(error))
