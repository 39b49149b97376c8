"""Ballots written in batches (commands.run_ballots, as the socket's ballot box sends them): each
gets the answer it would have had alone, and a batch that fails as a whole loses nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError

from cabinet.live.services.commands import Ack, run_ballots, run_command
from cabinet.live.services.commands import Ballot as BallotCommand
from cabinet.models import Ballot, CommandReceipt, Poll, PollVoter, User
from cabinet.voting import services as voting
from tests.cabinet.voting.test_voting import opened, option
from tests.factories import make_user, voting_meeting

pytestmark = pytest.mark.django_db


def acks(answers: list[Ack | Exception]) -> list[Ack]:
    """The batch's answers, every one an Ack: an exception (that ballot's server error) fails the
    test here."""
    checked = []
    for answer in answers:
        assert isinstance(answer, Ack), answer
        checked.append(answer)
    return checked


def ballot(
    user: User, client_id: str, poll: Poll, choice: int, language: str = "vi"
) -> BallotCommand:
    return BallotCommand(
        user, client_id, {"poll": poll.pk, "option": option(poll, choice)}, language
    )


def test_each_ballot_of_a_batch_gets_the_answer_it_would_get_alone() -> None:
    meeting, chair, members, _ = voting_meeting(5)
    poll = opened(meeting, chair)
    first = run_command(
        actor=members[0],
        meeting_id=meeting.pk,
        client_id="early-ballot",
        name="vote.cast",
        args={"poll": poll.pk, "option": option(poll, 1)},
    )
    assert first.ok
    outsider = make_user()
    answers = acks(
        run_ballots(
            meeting_id=meeting.pk,
            ballots=[
                ballot(members[1], "batch-0001", poll, 1),
                ballot(members[0], "early-ballot", poll, 2),  # a retry: the stored answer
                ballot(members[2], "batch-0002", poll, 2),
                ballot(outsider, "batch-0003", poll, 1),  # not in the meeting
                ballot(members[3], "batch-0004", poll, 3, language="en"),
                BallotCommand(members[4], "batch-0005", {"poll": poll.pk, "option": 999_999}, "vi"),
            ],
        )
    )
    assert [a.ok for a in answers] == [True, True, True, False, True, False]
    assert answers[1].result == first.result  # same receipt as the original
    assert "không có quyền" in answers[3].message
    assert answers[5].message == "Phương án không hợp lệ."
    receipts = {a.result["receipt"] for a in answers if a.ok}
    assert len(receipts) == 4
    # Written as one: the ballots, the voters' receipts and the commands' receipts agree.
    assert dict(Ballot.objects.filter(poll=poll).values_list("voter__user", "option")) == {
        members[0].pk: option(poll, 1),
        members[1].pk: option(poll, 1),
        members[2].pk: option(poll, 2),
        members[3].pk: option(poll, 3),
    }
    stored = set(PollVoter.objects.filter(poll=poll, voted=True).values_list("receipt", flat=True))
    assert stored == receipts
    # A later retry of a batched ballot, alone, gets its receipt back and changes nothing.
    again = run_command(
        actor=members[1],
        meeting_id=meeting.pk,
        client_id="batch-0001",
        name="vote.cast",
        args={"poll": poll.pk, "option": option(poll, 2)},
    )
    assert again.result == answers[0].result
    assert voting.close_poll(actor=chair, meeting=meeting, poll_id=poll.pk)["cast"] == 4


def test_refusals_in_a_batch_speak_each_voters_language() -> None:
    meeting, chair, members, _ = voting_meeting(2)
    poll = opened(meeting, chair)
    run_ballots(meeting_id=meeting.pk, ballots=[ballot(members[0], "vote-first", poll, 1)])
    answers = acks(
        run_ballots(
            meeting_id=meeting.pk,
            ballots=[
                ballot(members[0], "vote-second-vi", poll, 2, language="vi"),
                ballot(members[0], "vote-second-en", poll, 2, language="en"),
            ],
        )
    )
    assert answers[0].message == "Đồng chí đã biểu quyết."
    assert answers[1].message != answers[0].message
    assert not answers[1].ok


def test_a_batch_that_fails_as_a_whole_is_run_ballot_by_ballot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A retry committed by another process between the batch's look-up and its insert makes
    the whole batch fail on the receipts' unique constraint; nothing of the batch stands and
    each ballot is run again alone."""
    meeting, chair, members, _ = voting_meeting(3)
    poll = opened(meeting, chair)
    real_bulk_create = CommandReceipt.objects.bulk_create
    calls: list[int] = []

    def conflicting_bulk_create(objs: list[CommandReceipt], *args: Any, **kwargs: Any) -> None:
        calls.append(len(objs))
        raise IntegrityError("UNIQUE constraint failed: command_once_per_client_id")

    monkeypatch.setattr(CommandReceipt.objects, "bulk_create", conflicting_bulk_create)
    answers = acks(
        run_ballots(
            meeting_id=meeting.pk,
            ballots=[ballot(m, f"fallback-{n:04d}", poll, 1) for n, m in enumerate(members)],
        )
    )
    monkeypatch.setattr(CommandReceipt.objects, "bulk_create", real_bulk_create)
    assert calls == [3]
    assert all(a.ok for a in answers)
    # Each ballot counted once: the batch's writes were rolled back before the one-by-one run.
    assert Ballot.objects.filter(poll=poll).count() == 3
    assert CommandReceipt.objects.filter(name="vote.cast").count() == 3
    stored = set(PollVoter.objects.filter(poll=poll, voted=True).values_list("receipt", flat=True))
    assert stored == {a.result["receipt"] for a in answers}
