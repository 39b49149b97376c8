"""R4: property-based tests of voting. The result rules against exact fractions, and the poll's
state machine driven through the real services by random sequences of opens, ballots (new and
retried, entitled or not), closes, publishes, resets and late check-ins, checked after every step
against a model of what a correct system must hold."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from fractions import Fraction
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from cabinet.core.errors import ServiceError
from cabinet.live.services import attendance as attendance_services
from cabinet.models import Ballot, Poll, PollVoter, SecretBallot
from cabinet.voting import services as voting
from cabinet.voting.data import PollResult
from tests.factories import voting_meeting

RULES = ["cast_majority", "members_majority", "two_thirds"]
# What `ballots` draws: (members, (cast, in favour)).
Counts = tuple[int, tuple[int, int]]
T = TypeVar("T")


def reference_outcome(rule: str, in_favour: int, cast: int, members: int) -> bool:
    """The rules as the law words them, in exact fractions."""
    if rule == "cast_majority":
        return cast > 0 and Fraction(in_favour, cast) > Fraction(1, 2)
    if rule == "members_majority":
        return Fraction(in_favour, members) > Fraction(1, 2)
    return Fraction(in_favour, members) >= Fraction(2, 3)


def _near_thresholds(members: int, cast: int) -> st.SearchStrategy[int]:
    """Votes in favour: anywhere, or right at the edges where the rules flip (random draws
    rarely land on exactly half or two thirds)."""
    edges = {members // 2, members // 2 + 1, cast // 2, cast // 2 + 1}
    edges |= {(2 * members) // 3, (2 * members + 2) // 3, (2 * members + 2) // 3 - 1}
    return st.one_of(
        st.integers(min_value=0, max_value=cast),
        st.sampled_from(sorted(e for e in edges if 0 <= e <= cast) or [0]),
    )


ballots = st.integers(min_value=1, max_value=400).flatmap(
    lambda members: st.tuples(
        st.just(members),
        st.integers(min_value=0, max_value=members).flatmap(
            lambda cast: st.tuples(st.just(cast), _near_thresholds(members, cast))
        ),
    )
)


# Pure arithmetic: cheap enough for many examples, which the exact edges need.
MANY = settings(max_examples=1000, deadline=None)


@MANY
@given(rule=st.sampled_from(RULES), counts=ballots)
@example(rule="two_thirds", counts=(3, (2, 2)))  # exactly two thirds carries
@example(rule="members_majority", counts=(4, (4, 2)))  # exactly half does not
@example(rule="cast_majority", counts=(9, (4, 2)))
def test_the_outcome_follows_the_rule_exactly(rule: str, counts: Counts) -> None:
    members, (cast, in_favour) = counts
    base, passed = voting.outcome(rule, in_favour, cast, members)
    assert base == (cast if rule == "cast_majority" else members)
    assert (passed and cast > 0) == reference_outcome(rule, in_favour, cast, members)


@MANY
@given(counts=ballots)
def test_a_stricter_rule_never_passes_what_a_looser_one_rejects(counts: Counts) -> None:
    members, (cast, in_favour) = counts
    passes = {rule: voting.outcome(rule, in_favour, cast, members)[1] for rule in RULES}
    if passes["two_thirds"] and members > 1:
        assert passes["members_majority"]
    if passes["members_majority"]:
        assert passes["cast_majority"]  # cast never exceeds the members


@MANY
@given(rule=st.sampled_from(RULES), counts=ballots)
def test_one_more_vote_in_favour_never_defeats_a_motion(rule: str, counts: Counts) -> None:
    members, (cast, in_favour) = counts
    if cast == members:
        return
    before = voting.outcome(rule, in_favour, cast, members)[1]
    after = voting.outcome(rule, in_favour + 1, cast + 1, members)[1]
    assert after or not before


MEMBERS = 4  # plus the chair; the last member is not checked in when the machine starts


class PollMachine(RuleBasedStateMachine):
    """One poll in a meeting in session, and a model of what it must hold."""

    @initialize(
        kind=st.sampled_from(["open", "secret"]),
        rule_name=st.sampled_from(RULES),
        allow_change=st.booleans(),
        options=st.integers(min_value=2, max_value=4),
    )
    def start(self, kind: str, rule_name: str, allow_change: bool, options: int) -> None:
        meeting, chair_user, member_users, item = voting_meeting(MEMBERS, absent=1)
        by_user = {p.user_id: p for p in meeting.participants.select_related("user")}
        chair = by_user[chair_user.pk]
        people = [by_user[u.pk] for u in member_users]
        self.meeting, self.chair = meeting, chair.user
        self.voters = [chair, *people]
        self.present = {p.pk for p in self.voters[:-1]}
        allow_change = allow_change and kind == "open"
        poll = voting.create_poll(
            actor=chair.user,
            meeting=meeting,
            question="Thông qua tờ trình",
            item_id=item.pk,
            kind=kind,
            rule=rule_name,
            allow_change=allow_change,
            options=[f"Phương án {n}" for n in range(1, options + 1)],
        )
        self.poll_id, self.kind, self.allow_change = poll.pk, kind, allow_change
        self.options = list(poll.options.order_by("position").values_list("pk", flat=True))
        self.state = "prepared"
        self.entitled: set[int] = set()
        self.choice: dict[int, int] = {}  # participant → option, as acknowledged
        self.last: dict[int, tuple[str, str]] = {}  # participant → (client id, receipt)
        self.result: PollResult | None = None
        self.ids = (f"client-{n:05d}" for n in itertools.count())

    def expect(self, succeeds: bool, call: Callable[[], T]) -> T | None:
        if succeeds:
            return call()
        with pytest.raises(ServiceError):
            call()
        return None

    @rule()
    def open(self) -> None:
        ok = self.state == "prepared"
        self.expect(
            ok,
            lambda: voting.open_poll(actor=self.chair, meeting=self.meeting, poll_id=self.poll_id),
        )
        if ok:
            self.state = "open"
            self.entitled = set(self.present)  # the snapshot at opening

    @rule(
        who=st.integers(min_value=0, max_value=MEMBERS), pick=st.integers(0, 3), retry=st.booleans()
    )
    def cast(self, who: int, pick: int, retry: bool) -> None:
        voter = self.voters[who]
        option = self.options[pick % len(self.options)]
        if retry and voter.pk in self.last:
            client_id, receipt = self.last[voter.pk]
            again = voting.cast_vote(
                actor=voter.user, poll_id=self.poll_id, option_id=option, client_id=client_id
            )
            # The same submission, whenever it is retried, gets the same receipt and no new ballot.
            assert again.receipt == receipt
            return
        client_id = next(self.ids)
        ok = (
            self.state == "open"
            and voter.pk in self.entitled
            and (voter.pk not in self.choice or self.allow_change)
        )
        got = self.expect(
            ok,
            lambda: voting.cast_vote(
                actor=voter.user, poll_id=self.poll_id, option_id=option, client_id=client_id
            ),
        )
        if ok:
            assert got is not None  # expect() returns the call's answer when it succeeds
            self.choice[voter.pk] = option
            self.last[voter.pk] = (client_id, got.receipt)

    @rule()
    def close(self) -> None:
        ok = self.state in ("open", "closed", "published")
        result = self.expect(
            ok,
            lambda: voting.close_poll(actor=self.chair, meeting=self.meeting, poll_id=self.poll_id),
        )
        if not ok:
            return
        assert result is not None  # expect() returns the call's answer when it succeeds
        if self.state == "open":
            self.state = "closed"
            self.result = result
        # Closing again reports the same result: racing closes agree.
        assert result == self.result
        assert result["cast"] == len(self.choice)
        assert result["entitled"] == len(self.entitled)
        counts = {o["id"]: o["count"] for o in result["options"]}
        assert counts == {o: list(self.choice.values()).count(o) for o in self.options}

    @rule()
    def publish(self) -> None:
        ok = self.state == "closed"
        self.expect(
            ok,
            lambda: voting.publish_poll(
                actor=self.chair, meeting=self.meeting, poll_id=self.poll_id
            ),
        )
        if ok:
            self.state = "published"

    @rule()
    def reset(self) -> None:
        ok = self.state == "open" and not self.choice
        self.expect(
            ok,
            lambda: voting.reset_poll(actor=self.chair, meeting=self.meeting, poll_id=self.poll_id),
        )
        if ok:
            self.state, self.entitled = "prepared", set()

    @precondition(lambda self: self.voters[-1].pk not in self.present)
    @rule()
    def late_check_in(self) -> None:
        late = self.voters[-1]
        attendance_services.check_in(actor=late.user, meeting=self.meeting, mode="online")
        self.present.add(late.pk)  # entitled from the next opening on, not in an open poll

    @invariant()
    def the_database_agrees_with_the_model(self) -> None:
        poll = Poll.objects.get(pk=self.poll_id)
        assert poll.state == self.state
        voted = PollVoter.objects.filter(poll=poll, voted=True)
        assert set(voted.values_list("participant_id", flat=True)) == set(self.choice)
        assert set(
            PollVoter.objects.filter(poll=poll).values_list("participant_id", flat=True)
        ) == (self.entitled)
        if self.kind == "secret":
            assert not Ballot.objects.filter(poll=poll).exists()
            stored = sorted(SecretBallot.objects.filter(poll=poll).values_list("option", flat=True))
            assert stored == sorted(self.choice.values())
        else:
            assert dict(Ballot.objects.filter(poll=poll).values_list("voter", "option")) == (
                self.choice
            )


@pytest.mark.django_db
def test_the_poll_state_machine_holds_its_invariants() -> None:
    run_state_machine_as_test(
        PollMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
