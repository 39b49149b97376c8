"""Polls on a restricted item (issue 17, findings 2 and 3), over HTTP as the tablets use it: only
those who see the item see its poll's record and may vote in it; the members counted for the
result are those who may see it. And the one visibility rule, read both ways, agrees with itself."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from cabinet.live.services import attendance as attendance_services
from cabinet.meetings.selectors import item_viewers_filter, visible_items_filter
from cabinet.meetings.services import agenda as agenda_services
from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import AgendaItem, Participant, Poll, User
from cabinet.voting import services as voting_services
from tests.factories import Room, invite, secretary_of

if TYPE_CHECKING:
    # What the test client returns (its extra attributes); the stubs' name, not importable.
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

OUTSIDERS = ("guest", "observer", "member")


def room_voting_on_restricted_item() -> tuple[Room, int]:
    """Everyone with a vote checked in; a named poll on the restricted item opened."""
    room = Room()
    meeting_services.start_meeting(actor=room.chair.user, meeting=room.meeting)
    for person in (room.chair, room.member, room.listed_member):
        attendance_services.check_in(actor=person.user, meeting=room.meeting, mode="present")
    poll = voting_services.create_poll(
        actor=room.chair.user,
        meeting=room.meeting,
        question="Thông qua phương án nhân sự",
        item_id=room.restricted_item.pk,
    )
    voting_services.open_poll(actor=room.chair.user, meeting=room.meeting, poll_id=poll.pk)
    return room, poll.pk


def client_of(user: User | None) -> Client:
    assert user is not None  # Room.user() of a role with an account
    client = Client()
    client.force_login(user)
    return client


def ballot(client: Client, poll_id: int, option: int, client_id: str) -> TestResponse:
    return client.post(
        f"/polls/{poll_id}/vote/",
        {"option": option, "client_id": client_id},
        content_type="application/json",
    )


def test_only_those_who_see_the_item_may_vote_and_the_result_counts_them() -> None:
    room, poll_id = room_voting_on_restricted_item()
    poll = Poll.objects.get(pk=poll_id)
    first = poll.options.order_by("position").first()
    assert first is not None
    option = first.pk
    # Chair and the listed member: checked in, with a vote, and they see the item.
    assert poll.entitled_count == 2
    assert poll.members_count == 2
    # The member outside the audience, present with a vote, cannot cast a ballot on it over HTTP:
    # for them the poll does not exist, as on their tablet.
    refused = ballot(client_of(room.member.user), poll_id, option, "ballot-outsider-1")
    assert refused.status_code == 404
    accepted = ballot(client_of(room.listed_member.user), poll_id, option, "ballot-insider-1")
    assert accepted.status_code == 200, accepted.content
    voting_services.close_poll(actor=room.chair.user, meeting=room.meeting, poll_id=poll_id)
    poll.refresh_from_db()
    assert poll.result["members"] == 2
    assert poll.result["cast"] == 1


def test_the_named_record_of_a_restricted_poll_is_404_to_those_who_do_not_see_the_item() -> None:
    room, poll_id = room_voting_on_restricted_item()
    poll = Poll.objects.get(pk=poll_id)
    first = poll.options.order_by("position").first()
    assert first is not None
    option = first.pk
    voting_services.cast_vote(
        actor=room.listed_member.user, poll_id=poll_id, option_id=option, client_id="ballot-1234"
    )
    voting_services.close_poll(actor=room.chair.user, meeting=room.meeting, poll_id=poll_id)
    for role in OUTSIDERS:
        response = client_of(room.user(role)).get(f"/polls/{poll_id}/record/")
        assert response.status_code == 404, role
        assert room.listed_member.user.get_full_name() not in response.content.decode(), role
    for role in ("listed_member", "chair", "secretary"):
        response = client_of(room.user(role)).get(f"/polls/{poll_id}/record/")
        assert response.status_code == 200, role
        names = [row["name"] for row in response.json()["record"]]
        assert names == [room.listed_member.user.get_full_name()], role


def test_the_visibility_rule_read_both_ways_agrees() -> None:
    """visible_items_filter (items a participant sees) and item_viewers_filter (participants who
    see an item) are one rule in two forms: every role, listed or not, restricted or not."""
    room = Room()
    meeting = room.meeting
    people = list(Participant.objects.filter(meeting=meeting))
    guest_listed = invite(meeting, "guest")
    observer_listed = invite(meeting, "observer")
    people += [guest_listed, observer_listed]
    for restricted, listed in itertools.product([False, True], [(), (0,), (0, 1, 2, 3, 4, 5)]):
        audience = [people[i] for i in listed] + [guest_listed, observer_listed]
        item = agenda_services.add_agenda_item(
            actor=secretary_of(meeting),
            meeting=meeting,
            title=f"Nội dung {restricted} {listed}",
            restricted=restricted,
            audience=audience,
        )
        viewers = set(
            Participant.objects.filter(meeting=meeting)
            .filter(item_viewers_filter(item))
            .values_list("pk", flat=True)
        )
        for person in Participant.objects.filter(meeting=meeting):
            sees = (
                AgendaItem.objects.filter(pk=item.pk).filter(visible_items_filter(person)).exists()
            )
            assert sees == (person.pk in viewers), (person.role, restricted, listed)
