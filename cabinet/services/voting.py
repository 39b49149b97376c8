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
the count from a throttled broadcast instead (realtime.progress).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.models import (
    COUNTS_AS_PRESENT,
    DEFAULT_OPTIONS,
    POLL_TRANSITIONS,
    Attendance,
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
from cabinet.permissions import participant_for
from cabinet.room import poll_data
from cabinet.services import ServiceError
from cabinet.services.events import record_event
from cabinet.services.meetings import lock_meeting
from cabinet.services.room import require_runner
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
        meeting=locked, type="poll.created", payload={"poll": poll_data(poll)}, actor=actor
    )
    return poll


def _locked_poll(poll_id: int, meeting: Meeting) -> Poll:
    poll = Poll.objects.select_for_update().filter(pk=poll_id, meeting=meeting).first()
    if poll is None:
        raise ServiceError(_("Không tìm thấy biểu quyết này."))
    return poll


@transaction.atomic
def open_poll(*, actor: User, meeting: Meeting, poll_id: int) -> Poll:
    """Open the poll and snapshot who may vote: the members with a voting right who are present
    in person or online (a substitute invited in an official's place votes for them)."""
    require_runner(actor, meeting)
    locked = lock_meeting(meeting)
    if locked.status != MeetingStatus.IN_SESSION:
        raise ServiceError(_("Chỉ mở biểu quyết khi cuộc họp đang diễn ra."))
    poll = _locked_poll(poll_id, locked)
    _transition(poll, PollState.OPEN)
    members = Participant.objects.filter(meeting=locked, can_vote=True)
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
        type="poll.opened",
        payload={"poll": poll_data(poll), "voters": sorted(entitled)},
        actor=actor,
    )
    return poll


def _share_lock_poll(poll_id: int) -> str | None:
    """The poll's state, holding a lock that a close must wait for (see the module docstring)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT state FROM {Poll._meta.db_table} WHERE id = %s FOR SHARE",  # noqa: S608
                [poll_id],
            )
            row = cursor.fetchone()
        return row[0] if row else None
    return Poll.objects.filter(pk=poll_id).values_list("state", flat=True).first()


@transaction.atomic
def cast_vote(*, actor: User, poll_id: int, option_id: int, client_id: str) -> Receipt:
    """Record one member's ballot. A retry with the same client id returns the same receipt; a
    different second ballot is refused (or, where the open poll allows it, replaces the first)."""
    state = _share_lock_poll(poll_id)
    if state is None:
        raise ServiceError(_("Không tìm thấy biểu quyết này."))
    poll = Poll.objects.get(pk=poll_id)
    participant = participant_for(actor, poll.meeting)
    voter = (
        PollVoter.objects.select_for_update()
        .filter(poll_id=poll_id, participant=participant)
        .first()
        if participant
        else None
    )
    if voter is not None and voter.voted and voter.client_id == client_id:
        return Receipt(poll=poll_id, receipt=voter.receipt)  # a retry: same answer, no change
    if state != PollState.OPEN:
        raise ServiceError(
            _("Biểu quyết đã kết thúc; phiếu này không được tính.")
            if state in (PollState.CLOSED, PollState.PUBLISHED)
            else _("Biểu quyết chưa mở.")
        )
    if voter is None:
        raise ServiceError(_("Đồng chí không có quyền biểu quyết ở nội dung này."))
    assert participant is not None  # a voter row exists only for a participant
    option = PollOption.objects.filter(poll_id=poll_id, pk=option_id).first()
    if option is None:
        raise ServiceError(_("Phương án không hợp lệ."))
    if voter.voted:
        if not poll.allow_change:
            raise ServiceError(_("Đồng chí đã biểu quyết."))
        Ballot.objects.filter(poll_id=poll_id, voter=participant).update(option=option)
    elif poll.kind == PollKind.SECRET:
        SecretBallot.objects.create(poll_id=poll_id, option=option)
    else:
        Ballot.objects.create(poll_id=poll_id, voter=participant, option=option)
    voter.voted = True
    voter.client_id = client_id
    voter.receipt = new_receipt()
    voter.save(update_fields=["voted", "client_id", "receipt"])
    # Only the number who have voted goes out, never who or how.
    progress_on_commit(
        meeting_group(poll.meeting_id),
        {
            "poll": poll_id,
            "voted": PollVoter.objects.filter(poll_id=poll_id, voted=True).count(),
            "entitled": poll.entitled_count,
        },
    )
    return Receipt(poll=poll_id, receipt=voter.receipt)


def cast_vote_in(
    *, actor: User, meeting: Meeting, poll_id: int, option_id: int, client_id: str
) -> dict[str, Any]:
    """cast_vote for a poll of this meeting (the socket's meeting), as an ack's result."""
    if not Poll.objects.filter(pk=poll_id, meeting=meeting).exists():
        raise ServiceError(_("Không tìm thấy biểu quyết này."))
    receipt = cast_vote(actor=actor, poll_id=poll_id, option_id=option_id, client_id=client_id)
    return {"poll": receipt.poll, "receipt": receipt.receipt}


def outcome(rule: str, in_favour: int, cast: int, members: int) -> tuple[int, bool]:
    """The base that percentages refer to, and whether the motion carries under the rule.
    Integer arithmetic: "more than half" and "at least two thirds" are exact, with no rounding."""
    if rule == PollRule.CAST_MAJORITY:
        return cast, in_favour * 2 > cast
    if rule == PollRule.MEMBERS_MAJORITY:
        return members, in_favour * 2 > members
    return members, in_favour * 3 >= members * 2


def tally(poll: Poll) -> dict[str, Any]:
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
def close_poll(*, actor: User, meeting: Meeting, poll_id: int) -> dict[str, Any]:
    """Close the poll and keep its result. Waits for the ballots in flight (see the module
    docstring); closing a closed poll returns the same result, so racing closes agree."""
    require_runner(actor, meeting)
    locked = lock_meeting(meeting)  # meeting before poll, everywhere: no deadlock between them
    poll = _locked_poll(poll_id, locked)
    if poll.state in (PollState.CLOSED, PollState.PUBLISHED):
        return poll.result
    _transition(poll, PollState.CLOSED)
    if poll.kind == PollKind.SECRET:
        _shuffle_secret_ballots(poll)
    poll.result = tally(poll)
    poll.closed_at = timezone.now()
    poll.save()
    record_event(
        meeting=locked,
        type="poll.closed",
        payload={"poll": poll_data(poll), "result": poll.result},
        actor=actor,
    )
    return poll.result


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
    record_event(
        meeting=locked,
        type="poll.published",
        payload={"poll": poll_data(poll), "result": poll.result},
        actor=actor,
    )
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
        type="poll.reset",
        payload={"poll": poll_data(poll)},
        actor=actor,
    )
    return poll
