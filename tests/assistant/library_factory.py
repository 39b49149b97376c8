"""Directives for tests, built through the real services (upload checks, sandbox, chunking, the
real embedding model)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from assistant import library
from assistant.index import forget_index
from assistant.models import Directive
from cabinet.models import User
from tests.factories import make_user


def make_librarian(**fields: Any) -> User:
    user = make_user(**fields)
    user.user_permissions.add(Permission.objects.get(codename="manage_library"))
    return User.objects.get(pk=user.pk)  # drop the cached permissions


def add_directive(
    content: str | bytes,
    *,
    name: str = "van-ban.txt",
    actor: User | None = None,
    access: library.Access | None = None,
    **fields: Any,
) -> Directive:
    """Upload ``content`` and process it at once, as the worker would."""
    data = content.encode() if isinstance(content, str) else content
    directive = library.add_directive(
        upload=SimpleUploadedFile(name, data),
        actor=actor or make_librarian(),
        access=access or library.Access(),
        fields=fields,
        queue=False,
    )
    library.process_directive(directive.pk)
    forget_index()
    directive.refresh_from_db()
    return directive
