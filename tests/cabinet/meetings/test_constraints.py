"""Invariants the database itself holds, whatever code writes (admin, shell, a future bug)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import IntegrityError, transaction

from cabinet.models import Meeting, PaperVersion, Participant
from tests.factories import add_item, attach, invite, make_meeting, make_unit, make_user

pytestmark = pytest.mark.django_db


def refused(create: Callable[[], object]) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_an_observer_row_with_a_vote_is_refused() -> None:
    meeting = make_meeting()
    user = make_user()
    assert refused(
        lambda: Participant.objects.create(
            meeting=meeting, user=user, role="observer", can_vote=True
        )
    )


def test_a_meeting_has_at_most_one_chair_and_each_official_once() -> None:
    meeting = make_meeting()
    chair = invite(meeting, "chair")
    assert refused(
        lambda: Participant.objects.create(meeting=meeting, user=make_user(), role="chair")
    )
    assert refused(
        lambda: Participant.objects.create(meeting=meeting, user=chair.user, role="member")
    )


def test_one_substitute_per_absent_official_and_never_oneself() -> None:
    meeting = make_meeting()
    absent = make_user()
    Participant.objects.create(
        meeting=meeting, user=make_user(), role="member", substitute_for=absent
    )
    assert refused(
        lambda: Participant.objects.create(
            meeting=meeting, user=make_user(), role="member", substitute_for=absent
        )
    )
    someone = make_user()
    assert refused(
        lambda: Participant.objects.create(
            meeting=meeting, user=someone, role="member", substitute_for=someone
        )
    )


def test_a_meeting_cannot_end_before_it_starts_nor_have_an_unknown_status() -> None:
    meeting = make_meeting()
    assert refused(
        lambda: Meeting.objects.filter(pk=meeting.pk).update(
            ends_at=meeting.starts_at - dt.timedelta(hours=1)
        )
    )
    assert refused(lambda: Meeting.objects.filter(pk=meeting.pk).update(status="cancelled"))
    assert make_unit().pk  # sanity: the factory itself is valid


def test_paper_versions_are_numbered_once_and_never_rewritten() -> None:
    meeting = make_meeting()
    paper = attach(meeting, add_item(meeting))
    version = paper.versions.get()
    assert refused(
        lambda: PaperVersion.objects.create(
            paper=paper,
            number=1,
            file=version.file.name,
            original_name="x.pdf",
            sha256="0" * 64,
            size=10,
            page_count=1,
            uploaded_by=version.uploaded_by,
        )
    )
    version.note = "sửa lén"
    with pytest.raises(ValueError, match="immutable"):
        version.save()
