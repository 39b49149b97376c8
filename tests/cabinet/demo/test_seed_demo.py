"""The demo: a believable committee with real Vietnamese papers, loaded through the services."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from cabinet.models import Meeting, MeetingStatus, Paper, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    call_command("seed_demo", today="2026-12-07", stdout=io.StringIO())


def test_demo_has_one_upcoming_and_one_past_meeting_with_full_agendas(demo: None) -> None:
    upcoming = Meeting.objects.get(status=MeetingStatus.PUBLISHED)
    past = Meeting.objects.get(status=MeetingStatus.ENDED)
    assert upcoming.starts_at.date().isoformat() == "2026-12-10"
    assert past.starts_at < upcoming.starts_at
    for meeting in (upcoming, past):
        top = meeting.agenda_items.filter(parent__isnull=True).count()
        assert 4 <= top <= 6
        assert meeting.participants.filter(role="chair").count() == 1
        assert meeting.participants.filter(role="guest").exists()
    assert upcoming.participants.filter(substitute_for__isnull=False).exists()  # dự thay


def test_demo_has_a_meeting_in_session_with_a_live_room(demo: None) -> None:
    from cabinet.live.snapshot import quorum_for, snapshot_for
    from cabinet.models import RequestStatus, SpeakerRequest

    live = Meeting.objects.get(status=MeetingStatus.IN_SESSION)
    assert live.starts_at.date().isoformat() == "2026-12-07"
    quorum = quorum_for(live)
    assert quorum["reached"]
    assert quorum["present"] < quorum["total"]  # room to check in
    member = live.participants.get(user__username="gd.taichinh")
    state = snapshot_for(member)
    assert state["current_item"] == state["items"][1]["id"]
    assert state["clock"] is not None
    assert state["clock"]["running_since"] is not None
    assert str(member.pk) not in state["attendance"]
    assert SpeakerRequest.objects.filter(meeting=live, status=RequestStatus.WAITING).count() == 3
    assert SpeakerRequest.objects.filter(meeting=live, status=RequestStatus.SPEAKING).count() == 1
    # A named vote already announced on the first item; a secret one ready on the current item.
    announced, prepared = state["polls"]
    assert announced["state"] == "published"
    assert announced["item"] == state["items"][0]["id"]
    assert announced["result"] is not None
    assert [o["count"] for o in announced["result"]["options"]] == [5, 1, 0]
    assert announced["result"]["passed"] is True  # 5 of the 9 members: more than half
    assert prepared["state"] == "prepared"
    assert prepared["kind"] == "secret"
    assert prepared["item"] == state["current_item"]


def test_demo_papers_are_real_vietnamese_pdfs(demo: None) -> None:
    papers = Paper.objects.all()
    assert papers.count() >= 10
    longest = 0
    for paper in papers:
        version = paper.versions.get()
        reader = PdfReader(version.file.path)
        assert len(reader.pages) == version.page_count
        longest = max(longest, version.page_count)
        text = reader.pages[0].extract_text()
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert longest >= 5


def test_there_is_one_account_per_role(demo: None) -> None:
    usernames = set(User.objects.values_list("username", flat=True))
    assert {"chutich", "phochutich", "thuky", "khachmoi", "theodoi", "admin"} <= usernames
    assert User.objects.get(username="thuky").has_perm("cabinet.organize_meetings")
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.get(username="chutich").is_staff


def test_seeding_twice_changes_nothing(demo: None) -> None:
    counts = (Meeting.objects.count(), Paper.objects.count(), User.objects.count())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "already loaded" in out.getvalue()
    assert (Meeting.objects.count(), Paper.objects.count(), User.objects.count()) == counts
