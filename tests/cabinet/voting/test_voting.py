"""Polls through the real services: states, entitlement, receipts, the result rules, secrecy, and
concurrent ballots and closes (R1, R2) against the database the suite runs on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

import pytest
from django.db import connection, connections

from cabinet.core.errors import ServiceError
from cabinet.live.services import attendance as attendance_services
from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import Ballot, Meeting, MeetingEvent, Poll, PollVoter, SecretBallot, User
from cabinet.voting import services as voting
from tests.factories import add_item, invite, make_meeting, secretary_of, voting_meeting


def opened(meeting: Meeting, chair: User, **kwargs: Any) -> Poll:
    poll = voting.create_poll(actor=chair, meeting=meeting, question="Thông qua tờ trình", **kwargs)
    return voting.open_poll(actor=chair, meeting=meeting, poll_id=poll.pk)


def option(poll: Poll, n: int) -> int:
    return poll.options.get(position=n).pk


@pytest.mark.django_db
def test_a_poll_moves_only_through_legal_states() -> None:
    meeting, chair, members, item = voting_meeting(2)
    poll = voting.create_poll(actor=chair, meeting=meeting, question="Q", item_id=item.pk)
    with pytest.raises(ServiceError, match="Không thể chuyển"):
        voting.publish_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    voting.open_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    with pytest.raises(ServiceError, match="Không thể chuyển"):
        voting.open_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    voting.reset_poll(actor=chair, meeting=meeting, poll_id=poll.pk)  # nobody voted yet
    voting.open_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    voting.cast_vote(actor=members[0], poll_id=poll.pk, option_id=option(poll, 1), client_id="c1")
    with pytest.raises(ServiceError, match="không thể đặt lại"):
        voting.reset_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    voting.close_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    voting.publish_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    poll.refresh_from_db()
    assert poll.state == "published"
    events = list(MeetingEvent.objects.filter(meeting=meeting, type__startswith="poll."))
    assert [e.type for e in events] == [
        "poll.created",
        "poll.opened",
        "poll.reset",
        "poll.opened",
        "poll.closed",
        "poll.published",
    ]


@pytest.mark.django_db
def test_only_members_present_with_a_vote_are_entitled() -> None:
    meeting = make_meeting()
    chair = invite(meeting, "chair")
    present = invite(meeting, "member")
    online = invite(meeting, "member")
    absent = invite(meeting, "member")
    voiceless = invite(meeting, "member", can_vote=False)
    add_item(meeting)
    meeting_services.publish_meeting(actor=secretary_of(meeting), meeting=meeting)
    meeting_services.start_meeting(actor=chair.user, meeting=meeting)
    attendance_services.check_in(actor=present.user, meeting=meeting, mode="present")
    attendance_services.check_in(actor=online.user, meeting=meeting, mode="online")
    attendance_services.check_in(actor=voiceless.user, meeting=meeting, mode="present")
    poll = opened(meeting, chair.user)
    assert set(PollVoter.objects.filter(poll=poll).values_list("participant", flat=True)) == {
        present.pk,
        online.pk,
    }
    assert (poll.entitled_count, poll.members_count) == (2, 4)
    for outsider in (absent.user, voiceless.user):
        with pytest.raises(ServiceError, match="không có quyền"):
            voting.cast_vote(
                actor=outsider, poll_id=poll.pk, option_id=option(poll, 1), client_id="x1"
            )


@pytest.mark.django_db
def test_a_retry_gets_the_same_receipt_and_a_second_ballot_is_refused() -> None:
    meeting, chair, members, _ = voting_meeting(2)
    poll = opened(meeting, chair)
    first = voting.cast_vote(
        actor=members[0], poll_id=poll.pk, option_id=option(poll, 1), client_id="tablet-1"
    )
    again = voting.cast_vote(
        actor=members[0], poll_id=poll.pk, option_id=option(poll, 1), client_id="tablet-1"
    )
    assert again == first
    assert len(first.receipt) == 16
    with pytest.raises(ServiceError, match="Đồng chí đã biểu quyết"):
        voting.cast_vote(
            actor=members[0], poll_id=poll.pk, option_id=option(poll, 2), client_id="tablet-2"
        )
    assert Ballot.objects.get(poll=poll).option_id == option(poll, 1)


@pytest.mark.django_db
def test_an_open_poll_may_allow_changing_a_ballot_while_open() -> None:
    meeting, chair, members, _ = voting_meeting(2)
    poll = opened(meeting, chair, allow_change=True)
    voting.cast_vote(actor=members[0], poll_id=poll.pk, option_id=option(poll, 1), client_id="a1")
    voting.cast_vote(actor=members[0], poll_id=poll.pk, option_id=option(poll, 2), client_id="a2")
    assert list(Ballot.objects.filter(poll=poll).values_list("option_id", flat=True)) == [
        option(poll, 2)
    ]
    with pytest.raises(ServiceError, match="không cho phép"):
        voting.create_poll(
            actor=chair, meeting=meeting, question="Kín", kind="secret", allow_change=True
        )


@pytest.mark.django_db
def test_a_ballot_after_the_close_is_refused_and_says_so() -> None:
    meeting, chair, members, _ = voting_meeting(2)
    poll = opened(meeting, chair)
    voting.close_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    with pytest.raises(ServiceError, match="không được tính"):
        voting.cast_vote(
            actor=members[0], poll_id=poll.pk, option_id=option(poll, 1), client_id="l1"
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rule", "votes", "passed"),
    [
        # 5 members (chair + 4); ballots: for, for, against, abstain → 2 of 4 cast, 2 of 5 members.
        ("cast_majority", [1, 1, 2, 3], False),  # 2 is not more than half of 4
        ("cast_majority", [1, 1, 1, 3], True),
        ("members_majority", [1, 1, 1, 2], True),  # 3 of 5
        ("members_majority", [1, 1, 2, 2], False),  # 2 of 5
        ("two_thirds", [1, 1, 1, 2, 2], False),  # 3 of 5 < 2/3
        ("two_thirds", [1, 1, 1, 1, 2], True),  # 4 of 5
    ],
)
def test_the_outcome_follows_the_chosen_rule(rule: str, votes: list[int], passed: bool) -> None:
    meeting, chair, members, _ = voting_meeting(4)
    poll = opened(meeting, chair, rule=rule)
    for n, (user, choice) in enumerate(zip([chair, *members], votes, strict=False)):
        voting.cast_vote(
            actor=user, poll_id=poll.pk, option_id=option(poll, choice), client_id=f"v{n}"
        )
    result = voting.close_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    assert result["passed"] is passed
    assert result["cast"] == len(votes)
    assert [o["count"] for o in result["options"]] == [votes.count(k) for k in (1, 2, 3)]
    assert Poll.objects.get(pk=poll.pk).result == result


@pytest.mark.django_db
def test_a_secret_poll_keeps_who_voted_apart_from_what_was_chosen(
    caplog: pytest.LogCaptureFixture,
) -> None:
    meeting, chair, members, _ = voting_meeting(4)
    poll = opened(meeting, chair, kind="secret")
    voters = [chair, *members]
    choices = [2, 1, 1, 3, 1]
    with caplog.at_level("DEBUG"):
        for n, (user, choice) in enumerate(zip(voters, choices, strict=True)):
            voting.cast_vote(
                actor=user, poll_id=poll.pk, option_id=option(poll, choice), client_id=f"s{n}"
            )
        result = voting.close_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    assert [o["count"] for o in result["options"]] == [3, 1, 1]
    assert not Ballot.objects.filter(poll=poll).exists()
    columns = {f.column for f in SecretBallot._meta.concrete_fields}
    assert columns == {"id", "poll_id", "option_id"}  # no voter, no time
    # The poll's events name no person; no event was written per ballot.
    poll_events = MeetingEvent.objects.filter(meeting=meeting, type__startswith="poll.")
    assert [e.type for e in poll_events] == ["poll.created", "poll.opened", "poll.closed"]
    # The poll and who may vote (public: it follows attendance) and, at the close, the counts.
    assert [sorted(e.payload) for e in poll_events] == [
        ["poll"],
        ["poll", "voters"],
        ["poll", "result"],
    ]
    assert set(poll_events[2].payload["result"]) == {
        "cast",
        "entitled",
        "members",
        "base",
        "options",
        "passed",
    }
    for record in caplog.records:
        assert "option" not in record.getMessage().lower()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT option_id FROM {SecretBallot._meta.db_table}")  # noqa: S608
        stored = [row[0] for row in cursor.fetchall()]
    assert sorted(stored) == sorted(option(poll, c) for c in choices)
    assert PollVoter.objects.filter(poll=poll, voted=True).count() == 5


@pytest.mark.django_db
def test_a_secret_polls_stored_ballots_do_not_follow_the_order_of_voting() -> None:
    """Neither the rows as the database returns them nor their ids give away who voted what by
    the order of voting (which the audit log's "voted" entries and the tablets' acks reveal).
    Thirty ballots, 10 of each option in turn: a random order equals the voting one with a
    probability of about 2e-13."""
    meeting, chair, members, _ = voting_meeting(29)
    poll = opened(meeting, chair, kind="secret")
    voters = [chair, *members]
    cast = [option(poll, 1 + n % 3) for n in range(len(voters))]
    for n, (user, choice) in enumerate(zip(voters, cast, strict=True)):
        voting.cast_vote(actor=user, poll_id=poll.pk, option_id=choice, client_id=f"o{n}")
    voting.close_poll(actor=chair, meeting=meeting, poll_id=poll.pk)

    table = SecretBallot._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT option_id FROM {table}")  # noqa: S608
        as_stored = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT option_id FROM {table} ORDER BY id")  # noqa: S608
        by_id = [row[0] for row in cursor.fetchall()]
    assert sorted(as_stored) == sorted(cast)
    assert as_stored != cast
    assert by_id != cast


P = ParamSpec("P")
R = TypeVar("R")


def _in_thread(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    try:
        return function(*args, **kwargs)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_r1_concurrent_submissions_make_exactly_one_ballot_per_voter() -> None:
    meeting, chair, members, _ = voting_meeting(99)
    voters = [chair, *members]
    poll = opened(meeting, chair)
    errors: list[str] = []
    refusals: list[str] = []
    receipts: dict[int, set[str]] = {u.pk: set() for u in voters}
    lock = threading.Lock()

    def submit(user: User, attempt: int) -> None:
        try:
            receipt = voting.cast_vote(
                actor=user,
                poll_id=poll.pk,
                option_id=option(poll, 1 + attempt % 3),
                client_id=f"u{user.pk}-{attempt}",
            )
            with lock:
                receipts[user.pk].add(receipt.receipt)
        except ServiceError as refused:
            with lock:
                refusals.append(str(refused))
        except Exception as error:  # "database is locked", a deadlock ...: a server error
            with lock:
                errors.append(repr(error))

    with ThreadPoolExecutor(max_workers=16) as pool:
        for attempt in range(5):
            for user in voters:
                pool.submit(_in_thread, submit, user, attempt)
    assert errors == []
    # An attempt is refused only because its voter's ballot is in already.
    assert [message for message in refusals if "đã biểu quyết" not in message] == []
    assert Ballot.objects.filter(poll=poll).count() == 100
    assert all(len(r) == 1 for r in receipts.values())  # each voter got one ballot acknowledged
    assert PollVoter.objects.filter(poll=poll, voted=True).count() == 100


@pytest.mark.django_db(transaction=True)
def test_r2_racing_closes_all_report_the_count_of_acknowledged_ballots() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("R2 is specified for PostgreSQL (SQLite serialises every write anyway)")
    meeting, chair, members, _ = voting_meeting(49)
    voters = [chair, *members]
    poll = opened(meeting, chair)
    acknowledged: list[str] = []
    refusals: list[str] = []
    closes: list[int] = []
    lock = threading.Lock()
    start = threading.Event()  # every task waits for the gate, then they all race

    def vote(user: User) -> None:
        start.wait()
        try:
            voting.cast_vote(
                actor=user, poll_id=poll.pk, option_id=option(poll, 1), client_id=f"r{user.pk}"
            )
        except ServiceError as refused:
            with lock:
                refusals.append(str(refused))
        else:
            with lock:
                acknowledged.append(user.username)

    def close() -> None:
        start.wait()
        result = voting.close_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
        with lock:
            closes.append(result["cast"])

    # 40 connections at a time: PostgreSQL's default limit is 100 clients for the whole machine.
    with ThreadPoolExecutor(max_workers=40) as pool:
        futures: list[Future[None]] = []
        for user in voters:
            futures += [pool.submit(_in_thread, vote, user), pool.submit(_in_thread, close)]
        start.set()
        for future in futures:
            future.result()
    assert [message for message in refusals if "không được tính" not in message] == []
    assert len(set(closes)) == 1
    assert closes[0] == len(acknowledged) == Ballot.objects.filter(poll=poll).count()


# --- over HTTP --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_voting_over_http_gives_the_same_receipt_as_a_retry_would() -> None:
    from django.test import Client

    from tests.factories import PASSWORD

    meeting, chair, members, _ = voting_meeting(2)
    poll = opened(meeting, chair)
    client = Client(enforce_csrf_checks=False)
    client.login(username=members[0].username, password=PASSWORD)
    url = f"/polls/{poll.pk}/vote/"
    body = {"option": option(poll, 2), "client_id": "http-ballot-1"}
    first = client.post(url, body, content_type="application/json")
    again = client.post(url, body, content_type="application/json")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    other = client.post(
        url,
        {"option": option(poll, 1), "client_id": "http-ballot-2"},
        content_type="application/json",
    )
    assert other.status_code == 400
    assert other.json()["error"] == "Đồng chí đã biểu quyết."
    bad = client.post(url, {"option": "1", "client_id": "x"}, content_type="application/json")
    assert bad.status_code == 400
    # The record of a named poll opens only after the close.
    assert client.get(f"/polls/{poll.pk}/record/").status_code == 409
    voting.close_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    record = client.get(f"/polls/{poll.pk}/record/").json()["record"]
    assert [(r["name"], r["option"]) for r in record] == [
        (members[0].get_full_name(), "Không tán thành")
    ]


@pytest.mark.django_db
def test_http_voting_needs_a_signed_in_participant_and_csrf() -> None:
    from django.test import Client

    from tests.factories import PASSWORD, make_user

    meeting, chair, members, _ = voting_meeting(1)
    poll = opened(meeting, chair)
    url = f"/polls/{poll.pk}/vote/"
    body = {"option": option(poll, 1), "client_id": "http-ballot-9"}
    assert Client().post(url, body, content_type="application/json").status_code == 401
    outsider = make_user()
    client = Client()
    client.login(username=outsider.username, password=PASSWORD)
    assert client.post(url, body, content_type="application/json").status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.login(username=members[0].username, password=PASSWORD)
    assert strict.post(url, body, content_type="application/json").status_code == 403
    assert not Ballot.objects.exists()
