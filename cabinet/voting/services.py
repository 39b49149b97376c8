"""Polls: create, open, cast, close, publish, reset. The one place ballots are written.

How casting and closing are serialised, so that every acknowledged ballot is counted and none
lands after the close, without making two thousand voters queue behind one lock:

- PostgreSQL: a ballot takes a SHARE lock on the poll row (many ballots hold it at once; they do
  not wait for each other) and checks that the poll is open. Closing takes an UPDATE lock on the
  same row, which waits until every ballot in flight has committed and makes later ballots wait
  until the close has committed; they then see the poll closed and are refused. The per-voter row
  (PollVoter) is locked FOR UPDATE, so one member's concurrent submissions queue among themselves
  only.
- SQLite: every write transaction starts IMMEDIATE (settings), holding the database's single write
  lock, so a ballot and a close can never interleave at all.

A ballot writes no meeting event (that would lock the meeting row for every voter); tablets learn
the count from a broadcast instead (realtime.broadcast.progress_on_commit, a "progress" message
without a sequence number, thinned out by each process's hub, realtime.hub).

The security audit log (cabinet.core.audit) says who voted, never how: no entry holds an option, a
label, a count or a receipt. An open poll's "voted" entry is written with the ballot (its time and
the voter's address). A secret poll's are written only when it closes, all with the closing time,
in username order and without addresses: an entry written at the moment of a ballot would give its
time and position, and those could be matched against the ballot rows (whose physical order
follows insertion until the close rewrites them) or a progress broadcast (one more vote at 10:02:07).
PollVoter already records who voted; the audit entries add nothing that could say how.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cabinet.core import audit
from cabinet.core.errors import ServiceError
from cabinet.core.event_types import Event
from cabinet.core.events import record_event
from cabinet.meetings.selectors import item_scope, item_viewers_filter
from cabinet.meetings.services.meetings import lock_meeting, require_runner
from cabinet.models import (
    COUNTS_AS_PRESENT,
    DEFAULT_OPTIONS,
    POLL_TRANSITIONS,
    AgendaItem,
    Attendance,
    AuditAction,
    AuditEntry,
    Ballot,
    Meeting,
    MeetingStatus,
    Participant,
    Poll,
    PollKind,
    PollOption,
    PollRule,
    PollState,
    PollVoter,
    SecretBallot,
    User,
    new_receipt,
)
from cabinet.trust.log_filters import unlogged_ballot
from cabinet.voting.data import (
    PollOpenedPayload,
    PollPayload,
    PollResult,
    PollResultPayload,
    poll_data,
    result_of,
)
from realtime.broadcast import meeting_group, progress_on_commit


@dataclass(frozen=True)
class Receipt:
    poll: int
    receipt: str


def _transition(poll: Poll, to: str) -> None:
    if to not in POLL_TRANSITIONS[poll.state]:
        raise ServiceError(
            _("Không thể chuyển biểu quyết từ “%(from)s” sang “%(to)s”.")
            % {"from": poll.get_state_display(), "to": PollState(to).label}
        )
    poll.state = to


@transaction.atomic
def create_poll(
    *,
    actor: User,
    meeting: Meeting,
    question: str,
    kind: str = PollKind.OPEN,
    rule: str = PollRule.MEMBERS_MAJORITY,
    options: list[str] | None = None,
    item_id: int | None = None,
    allow_change: bool = False,
) -> Poll:
    """A prepared poll on an agenda item (or the meeting). Options default to Tán thành /
    Không tán thành / Không biểu quyết; the first option is the one that carries the motion."""
    require_runner(actor, meeting)
    locked = lock_meeting(meeting)
    if locked.status not in (MeetingStatus.PUBLISHED, MeetingStatus.IN_SESSION):
        raise ServiceError(_("Chỉ tạo biểu quyết khi cuộc họp chưa kết thúc."))
    question = question.strip()
    if not question:
        raise ServiceError(_("Cần nhập nội dung biểu quyết."))
    if kind not in PollKind.values or rule not in PollRule.values:
        raise ServiceError(_("Hình thức hoặc điều kiện thông qua không hợp lệ."))
    if kind == PollKind.SECRET and allow_change:
        raise ServiceError(_("Bỏ phiếu kín không cho phép thay đổi phiếu."))
    labels = [o.strip() for o in (options or DEFAULT_OPTIONS) if o.strip()]
    if not 2 <= len(labels) <= 10 or len(set(labels)) != len(labels):
        raise ServiceError(_("Cần từ 2 đến 10 phương án khác nhau."))
    if item_id is not None and not locked.agenda_items.filter(pk=item_id).exists():
        raise ServiceError(_("Nội dung này không thuộc chương trình cuộc họp."))
    poll = Poll.objects.create(
        meeting=locked,
        item_id=item_id,
        question=question,
        kind=kind,
        rule=rule,
        allow_change=allow_change,
        created_by=actor,
    )
    PollOption.objects.bulk_create(
        PollOption(poll=poll, position=n, label=label) for n, label in enumerate(labels, start=1)
    )
    record_event(
        meeting=locked,
        type=Event.POLL_CREATED,
        payload=PollPayload(poll=poll_data(poll)),
        actor=actor,
        scope=item_scope(poll.item_id),
    )
    return poll


def _locked_poll(poll_id: int, meeting: Meeting) -> Poll:
    poll = Poll.objects.select_for_update().filter(pk=poll_id, meeting=meeting).first()
    if poll is None:
        raise ServiceError(_("Không tìm thấy biểu quyết này."))
    return poll


@transaction.atomic
def open_poll(*, actor: User, meeting: Meeting, poll_id: int) -> Poll:
    """Open the poll and snapshot who may vote: the members with a voting right who may see the
    poll's item and are present in person or online (a substitute invited in an official's place
    votes for them). On a restricted item, the members counted for the result (members_count,
    the base of "more than half of the members") are likewise those who may see it."""
    require_runner(actor, meeting)
    locked = lock_meeting(meeting)
    if locked.status != MeetingStatus.IN_SESSION:
        raise ServiceError(_("Chỉ mở biểu quyết khi cuộc họp đang diễn ra."))
    poll = _locked_poll(poll_id, locked)
    _transition(poll, PollState.OPEN)
    members = Participant.objects.filter(meeting=locked, can_vote=True)
    if poll.item_id is not None:
        item = AgendaItem.objects.get(pk=poll.item_id)
        members = members.filter(item_viewers_filter(item))
    present = Attendance.objects.filter(
        participant__in=members, status__in=[s for s in COUNTS_AS_PRESENT if s != "represented"]
    ).values_list("participant_id", flat=True)
    entitled = list(present)
    if not entitled:
        raise ServiceError(_("Chưa có đại biểu có quyền biểu quyết nào điểm danh."))
    PollVoter.objects.bulk_create(PollVoter(poll=poll, participant_id=p) for p in entitled)
    poll.entitled_count = len(entitled)
    poll.members_count = members.count()
    poll.opened_at = timezone.now()
    poll.save()
    # Who may vote is public (it follows attendance); the tablets use it to show the ballot
    # without asking the server again.
    record_event(
        meeting=locked,
        type=Event.POLL_OPENED,
        payload=PollOpenedPayload(poll=poll_data(poll), voters=sorted(entitled)),
        actor=actor,
        scope=item_scope(poll.item_id),
    )
    _poll_audit(actor, poll, AuditAction.POLL_OPENED)
    return poll


@dataclass(frozen=True)
class BallotRequest:
    """One member's ballot, for cast_votes."""

    actor: User
    poll_id: int
    option_id: int
    client_id: str
    # The client's address for the audit log; None: the surrounding request's (cabinet.core.audit).
    ip: str | None = None


@dataclass(frozen=True)
class _PollRow:
    meeting_id: int
    item_id: int | None
    state: str
    kind: str
    allow_change: bool
    entitled_count: int
    options: frozenset[int]


_POLL_ROW = ("meeting_id", "item_id", "state", "kind", "allow_change", "entitled_count")

# Refusals are made once and shown in each voter's own language (str() at the point of display).
_NOT_FOUND = gettext_lazy("Không tìm thấy biểu quyết này.")
_CLOSED = gettext_lazy("Biểu quyết đã kết thúc; phiếu này không được tính.")
_NOT_OPEN = gettext_lazy("Biểu quyết chưa mở.")
_NOT_ENTITLED = gettext_lazy("Đồng chí không có quyền biểu quyết ở nội dung này.")
_BAD_OPTION = gettext_lazy("Phương án không hợp lệ.")
_ALREADY = gettext_lazy("Đồng chí đã biểu quyết.")


def _share_lock_poll(poll_id: int) -> _PollRow | None:
    """What a ballot needs of the poll and its option ids, in one statement, holding a lock that
    a close must wait for (see the module docstring)."""
    poll, option = Poll._meta.db_table, PollOption._meta.db_table
    postgresql = connection.vendor == "postgresql"
    # Table names only, from the models: nothing from outside goes into the text.
    option_ids = (
        f"ARRAY(SELECT id FROM {option} WHERE poll_id = {poll}.id)"  # noqa: S608
        if postgresql
        else f"(SELECT group_concat(id) FROM {option} WHERE poll_id = {poll}.id)"  # noqa: S608
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_POLL_ROW)}, {option_ids} FROM {poll} WHERE id = %s"  # noqa: S608
            + (" FOR SHARE" if postgresql else ""),
            [poll_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    meeting_id, item_id, state, kind, allow_change, entitled_count, ids = row
    if not postgresql:
        ids = str(ids or "").split(",")  # SQLite's group_concat: "4,5,6"
    options = frozenset(int(i) for i in ids if i)
    return _PollRow(meeting_id, item_id, state, kind, bool(allow_change), entitled_count, options)


@unlogged_ballot  # outermost: the whole transaction, SELECTs included, stays out of logs
@transaction.atomic
def cast_vote(*, actor: User, poll_id: int, option_id: int, client_id: str) -> Receipt:
    """Record one member's ballot. A retry with the same client id returns the same receipt; a
    different second ballot is refused (or, where the open poll allows it, replaces the first)."""
    (outcome,) = cast_votes([BallotRequest(actor, poll_id, option_id, client_id)])
    if isinstance(outcome, ServiceError):
        raise outcome
    return outcome


@unlogged_ballot
def cast_votes(
    requests: list[BallotRequest], *, meeting_id: int | None = None
) -> list[Receipt | ServiceError]:
    """Record several members' ballots in the caller's transaction: for each, in order, what
    cast_vote does, with the same answer; a refusal is returned in its place, not raised, and the
    others go on. With `meeting_id`, a poll of another meeting is not found.

    Ballots that arrive together (a vote burst: two thousand tablets within seconds) are written
    together: one share lock and one read of the poll, of its options and of the voters' rows, one
    insert and one update for all, one count. One by one, at about fifteen statements each, the
    server's single database thread fell behind from a few hundred voters on (bench/vote_burst.py).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("cast_votes must be called inside a transaction")
    outcomes: list[Receipt | ServiceError | None] = [None] * len(requests)
    by_poll: dict[int, list[int]] = {}
    for n, request in enumerate(requests):
        by_poll.setdefault(request.poll_id, []).append(n)
    for poll_id, indexes in by_poll.items():
        _cast_in_poll(poll_id, [(n, requests[n]) for n in indexes], meeting_id, outcomes)
    assert all(outcome is not None for outcome in outcomes)
    return outcomes  # type: ignore[return-value]


def _cast_in_poll(
    poll_id: int,
    requests: list[tuple[int, BallotRequest]],
    meeting_id: int | None,
    outcomes: list[Receipt | ServiceError | None],
) -> None:
    poll = _share_lock_poll(poll_id)
    if poll is None or (meeting_id is not None and poll.meeting_id != meeting_id):
        for n, _request in requests:
            outcomes[n] = ServiceError(_NOT_FOUND)
        return
    # A voter row exists only for a participant of the poll's meeting (made when it opened), so
    # the user leads to it directly. Locked in id order: two batches never wait on each other
    # crosswise.
    users = {r.actor.pk for _n, r in requests if r.actor.is_authenticated and r.actor.is_active}
    voters = {
        voter.user_id: voter
        for voter in PollVoter.objects.select_for_update(of=("self",))
        .filter(poll_id=poll_id, participant__user_id__in=users)
        .annotate(user_id=F("participant__user_id"))
        .order_by("pk")
    }
    options = poll.options
    new_ballots: dict[int, int] = {}  # participant → option, for an open poll
    replaced: dict[int, int] = {}  # participant → option, ballots changed where allowed
    secret: list[int] = []
    changed: dict[int, PollVoter] = {}
    audited: list[AuditEntry] = []  # open polls only; never a choice
    for n, request in requests:
        voter = voters.get(request.actor.pk) if request.actor.pk in users else None
        if voter is not None and voter.voted and voter.client_id == request.client_id:
            outcomes[n] = Receipt(poll=poll_id, receipt=voter.receipt)  # a retry: same answer
            continue
        if poll.state != PollState.OPEN:
            closed = poll.state in (PollState.CLOSED, PollState.PUBLISHED)
            outcomes[n] = ServiceError(_CLOSED if closed else _NOT_OPEN)
            continue
        if voter is None:
            outcomes[n] = ServiceError(_NOT_ENTITLED)
            continue
        if request.option_id not in options:
            outcomes[n] = ServiceError(_BAD_OPTION)
            continue
        participant = voter.participant_id
        if voter.voted:
            if not poll.allow_change:
                outcomes[n] = ServiceError(_ALREADY)
                continue
            (new_ballots if participant in new_ballots else replaced)[participant] = (
                request.option_id
            )
        elif poll.kind == PollKind.SECRET:
            secret.append(request.option_id)
        else:
            new_ballots[participant] = request.option_id
        if poll.kind != PollKind.SECRET:
            audited.append(
                audit.entry(
                    None,
                    action=AuditAction.VOTE_CAST,
                    actor=request.actor,
                    meeting_id=poll.meeting_id,
                    detail={"poll": poll_id, "changed": voter.voted},
                    ip=request.ip or audit.current_ip(),
                )
            )
        voter.voted = True
        voter.client_id = request.client_id
        voter.receipt = new_receipt()
        changed[voter.pk] = voter
        outcomes[n] = Receipt(poll=poll_id, receipt=voter.receipt)
    if not changed:
        return
    for participant, option in replaced.items():
        Ballot.objects.filter(poll_id=poll_id, voter_id=participant).update(option_id=option)
    if secret:
        # Written in random order, so that not even the rows of one batch follow the voters'.
        random.SystemRandom().shuffle(secret)
        SecretBallot.objects.bulk_create(SecretBallot(poll_id=poll_id, option_id=o) for o in secret)
    if new_ballots:
        Ballot.objects.bulk_create(
            Ballot(poll_id=poll_id, voter_id=p, option_id=o) for p, o in new_ballots.items()
        )
    # One statement run for every row (bulk_update's CASE expressions cost more Python than the
    # rest of the batch together).
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {PollVoter._meta.db_table} SET voted = %s, client_id = %s, "  # noqa: S608
            "receipt = %s WHERE id = %s",
            [(True, v.client_id, v.receipt, v.pk) for v in changed.values()],
        )
    if audited:
        AuditEntry.objects.bulk_create(audited)
    # Only the number who have voted goes out, never who or how.
    progress_on_commit(
        meeting_group(poll.meeting_id),
        {
            "poll": poll_id,
            "voted": PollVoter.objects.filter(poll_id=poll_id, voted=True).count(),
            "entitled": poll.entitled_count,
            "scope": item_scope(poll.item_id),  # who hears it (realtime.hub); not sent on
        },
    )


def cast_vote_in(
    *, actor: User, meeting: Meeting, poll_id: int, option_id: int, client_id: str
) -> dict[str, Any]:
    """cast_vote for a poll of this meeting (the socket's meeting), as an ack's result."""
    (outcome,) = cast_votes(
        [BallotRequest(actor, poll_id, option_id, client_id)], meeting_id=meeting.pk
    )
    if isinstance(outcome, ServiceError):
        raise outcome
    return {"poll": outcome.poll, "receipt": outcome.receipt}


def outcome(rule: str, in_favour: int, cast: int, members: int) -> tuple[int, bool]:
    """The base that percentages refer to, and whether the motion carries under the rule.
    Integer arithmetic: "more than half" and "at least two thirds" are exact, with no rounding."""
    if rule == PollRule.CAST_MAJORITY:
        return cast, in_favour * 2 > cast
    if rule == PollRule.MEMBERS_MAJORITY:
        return members, in_favour * 2 > members
    return members, in_favour * 3 >= members * 2


def tally(poll: Poll) -> PollResult:
    """Counts per option and the outcome under the poll's rule. The first option carries the
    motion (Tán thành / Đồng ý)."""
    options = list(poll.options.all())
    source = SecretBallot if poll.kind == PollKind.SECRET else Ballot
    counts = {o.pk: 0 for o in options}
    for option_id in source.objects.filter(poll=poll).values_list("option_id", flat=True):
        counts[option_id] += 1
    cast = sum(counts.values())
    base, passed = outcome(poll.rule, counts[options[0].pk], cast, poll.members_count)
    return {
        "cast": cast,
        "entitled": poll.entitled_count,
        "members": poll.members_count,
        "base": base,
        "options": [
            {
                "id": o.pk,
                "label": o.label,
                "count": counts[o.pk],
                "percent": round(100 * counts[o.pk] / base, 2) if base else 0.0,
            }
            for o in options
        ],
        "passed": passed and cast > 0,
    }


@transaction.atomic
def close_poll(*, actor: User, meeting: Meeting, poll_id: int) -> PollResult:
    """Close the poll and keep its result. Waits for the ballots in flight (see the module
    docstring); closing a closed poll returns the same result, so racing closes agree."""
    require_runner(actor, meeting)
    locked = lock_meeting(meeting)  # meeting before poll, everywhere: no deadlock between them
    poll = _locked_poll(poll_id, locked)
    if poll.state in (PollState.CLOSED, PollState.PUBLISHED):
        kept = result_of(poll)
        assert kept is not None, "a closed poll keeps its result"
        return kept
    _transition(poll, PollState.CLOSED)
    if poll.kind == PollKind.SECRET:
        _shuffle_secret_ballots(poll)
    result = tally(poll)
    poll.result = result
    poll.closed_at = timezone.now()
    poll.save()
    if poll.kind == PollKind.SECRET:
        _audit_secret_voters(poll)
    _poll_audit(actor, poll, AuditAction.POLL_CLOSED)
    record_event(
        meeting=locked,
        type=Event.POLL_CLOSED,
        payload=PollResultPayload(poll=poll_data(poll), result=result),
        actor=actor,
        scope=item_scope(poll.item_id),
    )
    return result


def _audit_secret_voters(poll: Poll) -> None:
    """Who voted in a secret poll, written at its close (see the module docstring): one entry per
    voter, all with the closing time, in username order, without address or choice."""
    assert poll.closed_at is not None
    voters = (
        User.objects.filter(
            pk__in=PollVoter.objects.filter(poll=poll, voted=True).values("participant__user_id")
        )
        .only("pk", "username")
        .order_by("username")
    )
    AuditEntry.objects.bulk_create(
        AuditEntry(
            at=poll.closed_at,
            actor_id=user.pk,
            username=user.get_username(),
            ip=None,
            action=AuditAction.VOTE_CAST,
            object_type=Poll._meta.label_lower,
            object_id=str(poll.pk),
            meeting_id=poll.meeting_id,
            detail={"poll": poll.pk, "secret": True},
        )
        for user in voters
    )


def _poll_audit(actor: User, poll: Poll, action: str) -> None:
    audit.audit(
        None,
        action=action,
        actor=actor,
        obj=poll,
        meeting_id=poll.meeting_id,
        detail={"kind": poll.kind},
    )


def _shuffle_secret_ballots(poll: Poll) -> None:
    """Rewrite the ballots in random order with fresh random ids, so that neither the order of
    the rows nor their ids follow the order in which members voted."""
    choices = list(SecretBallot.objects.filter(poll=poll).values_list("option_id", flat=True))
    random.SystemRandom().shuffle(choices)
    SecretBallot.objects.filter(poll=poll).delete()
    SecretBallot.objects.bulk_create(SecretBallot(poll=poll, option_id=o) for o in choices)


@transaction.atomic
def publish_poll(*, actor: User, meeting: Meeting, poll_id: int) -> Poll:
    require_runner(actor, meeting)
    locked = lock_meeting(meeting)
    poll = _locked_poll(poll_id, locked)
    _transition(poll, PollState.PUBLISHED)
    poll.save(update_fields=["state"])
    result = result_of(poll)
    assert result is not None, "only a closed poll is published, and it keeps its result"
    record_event(
        meeting=locked,
        type=Event.POLL_PUBLISHED,
        payload=PollResultPayload(poll=poll_data(poll), result=result),
        actor=actor,
        scope=item_scope(poll.item_id),
    )
    _poll_audit(actor, poll, AuditAction.POLL_PUBLISHED)
    return poll


@transaction.atomic
def reset_poll(*, actor: User, meeting: Meeting, poll_id: int) -> Poll:
    """Take an open poll back to prepared, only while nobody has voted (a wrong question, say)."""
    require_runner(actor, meeting)
    locked = lock_meeting(meeting)
    poll = _locked_poll(poll_id, locked)
    if poll.state != PollState.OPEN:
        raise ServiceError(_("Chỉ đặt lại được biểu quyết đang mở."))
    if poll.voters.filter(voted=True).exists():
        raise ServiceError(_("Đã có đại biểu biểu quyết; không thể đặt lại."))
    poll.voters.all().delete()
    poll.state = PollState.PREPARED
    poll.entitled_count = poll.members_count = 0
    poll.opened_at = None
    poll.save()
    record_event(
        meeting=locked,
        type=Event.POLL_RESET,
        payload=PollPayload(poll=poll_data(poll)),
        actor=actor,
        scope=item_scope(poll.item_id),
    )
    _poll_audit(actor, poll, AuditAction.POLL_RESET)
    return poll
