"""Commands from tablets: one entry point that runs the service and remembers the ack.

A tablet may send a command twice (it lost the ack when the network dropped, then retried with
the same client id). The receipt is written in the command's own transaction, so either the change
and its receipt both exist or neither does; a retry finds the receipt and gets the same ack
without running the service again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cabinet.core.audit import client_address
from cabinet.core.errors import ServiceError
from cabinet.core.event_types import Event
from cabinet.live.services import attendance as attendance_services
from cabinet.live.services import room as room_services
from cabinet.live.services import session as session_services
from cabinet.live.services import speakers as speaker_services
from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import CommandReceipt, Meeting, User
from cabinet.voting import services as voting_services

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ack:
    ok: bool
    seq: int | None = None
    result: Mapping[str, object] = field(default_factory=dict)
    code: str = ""
    message: str = ""


# The result is the ack's (a poll's count for poll.close, the receipt for vote.cast ...).
Handler = Callable[[User, Meeting, dict[str, Any]], Mapping[str, object]]


def _no_result(_changed: Any) -> dict[str, Any]:
    """For commands whose ack carries nothing but the sequence number."""
    return {}


# Command name → (actor, meeting, validated args + the client id) → result. Arguments were
# validated against realtime.events.COMMANDS; permissions and state are checked by the services.
HANDLERS: dict[str, Handler] = {
    "meeting.start": lambda u, m, a: _no_result(meeting_services.start_meeting(actor=u, meeting=m)),
    "meeting.end": lambda u, m, a: _no_result(session_services.end_meeting(actor=u, meeting=m)),
    "item.move": lambda u, m, a: _no_result(
        room_services.move_to_item(actor=u, meeting=m, item_id=a["item"])
    ),
    "timer.start": lambda u, m, a: _no_result(room_services.start_clock(actor=u, meeting=m)),
    "timer.pause": lambda u, m, a: _no_result(room_services.pause_clock(actor=u, meeting=m)),
    "timer.adjust": lambda u, m, a: _no_result(
        room_services.adjust_clock(actor=u, meeting=m, minutes=a["minutes"])
    ),
    "attendance.check_in": lambda u, m, a: {
        "status": attendance_services.check_in(actor=u, meeting=m, mode=a["mode"]).status
    },
    "attendance.mark": lambda u, m, a: _no_result(
        attendance_services.mark_attendance(
            actor=u,
            meeting=m,
            participant_id=a["participant"],
            status=a["status"],
            reason=a.get("reason", ""),
            substitute=a.get("substitute", ""),
        )
    ),
    "speaker.request": lambda u, m, a: {
        "request": speaker_services.request_floor(
            actor=u,
            meeting=m,
            item_id=a.get("item"),
            position=a["position"],
            note=a.get("note", ""),
        ).pk
    },
    "speaker.withdraw": lambda u, m, a: _no_result(
        speaker_services.withdraw_request(actor=u, meeting=m, request_id=a["request"])
    ),
    "speaker.reorder": lambda u, m, a: _no_result(
        speaker_services.reorder_queue(actor=u, meeting=m, item_id=a["item"], order=a["order"])
    ),
    "speaker.give_floor": lambda u, m, a: _no_result(
        speaker_services.give_floor(
            actor=u, meeting=m, request_id=a["request"], minutes=a.get("minutes")
        )
    ),
    "speaker.end": lambda u, m, a: _no_result(
        speaker_services.end_speech(actor=u, meeting=m, request_id=a["request"])
    ),
    "presenter.start": lambda u, m, a: _no_result(
        room_services.start_presenting(
            actor=u, meeting=m, paper_id=a["paper"], version=a["version"], page=a["page"]
        )
    ),
    Event.PRESENTER_PAGE: lambda u, m, a: _no_result(
        room_services.turn_page(actor=u, meeting=m, page=a["page"])
    ),
    "presenter.stop": lambda u, m, a: _no_result(room_services.stop_presenting(actor=u, meeting=m)),
    "presenter.follow": lambda u, m, a: {
        "follow": room_services.set_following(
            actor=u, meeting=m, follow=a["follow"]
        ).follows_presenter
    },
    "poll.create": lambda u, m, a: {
        "poll": voting_services.create_poll(
            actor=u,
            meeting=m,
            question=a["question"],
            kind=a.get("kind", "open"),
            rule=a.get("rule", "members_majority"),
            options=a.get("options"),
            item_id=a.get("item"),
            allow_change=a.get("allow_change", False),
        ).pk
    },
    "poll.open": lambda u, m, a: _no_result(
        voting_services.open_poll(actor=u, meeting=m, poll_id=a["poll"])
    ),
    "poll.close": lambda u, m, a: voting_services.close_poll(actor=u, meeting=m, poll_id=a["poll"]),
    "poll.publish": lambda u, m, a: _no_result(
        voting_services.publish_poll(actor=u, meeting=m, poll_id=a["poll"])
    ),
    Event.POLL_RESET: lambda u, m, a: _no_result(
        voting_services.reset_poll(actor=u, meeting=m, poll_id=a["poll"])
    ),
    "vote.cast": lambda u, m, a: voting_services.cast_vote_in(
        actor=u, meeting=m, poll_id=a["poll"], option_id=a["option"], client_id=a["client_id"]
    ),
}


def _receipt_ack(receipt: CommandReceipt, *, meeting_id: int, name: str) -> Ack:
    if receipt.meeting_id != meeting_id or receipt.name != name:
        return Ack(
            ok=False,
            code="id_reused",
            message=_("Mã lệnh này đã được dùng cho một lệnh khác."),
        )
    return Ack(ok=True, seq=receipt.seq, result=receipt.result)


def run_command(
    *, actor: User, meeting_id: int, client_id: str, name: str, args: dict[str, Any]
) -> Ack:
    """Run a tablet's command once. Precondition: `name` and `args` passed the socket schema."""
    earlier = CommandReceipt.objects.filter(user=actor, client_id=client_id).first()
    if earlier is not None:
        return _receipt_ack(earlier, meeting_id=meeting_id, name=name)
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        return Ack(ok=False, code="refused", message=_("Không tìm thấy cuộc họp."))
    try:
        with transaction.atomic():
            # The client id also goes to the service: a ballot's receipt is keyed by it, so that
            # the same ballot retried over HTTP gets the same receipt too.
            result = HANDLERS[name](actor, meeting, {**args, "client_id": client_id})
            # The services locked the meeting row, so this is the seq of this command's event
            # (or of the last one, when the command changed nothing that is announced).
            seq = Meeting.objects.values_list("last_seq", flat=True).get(pk=meeting_id)
            CommandReceipt.objects.create(
                user=actor,
                client_id=client_id,
                meeting_id=meeting_id,
                name=name,
                seq=seq,
                result=result,
            )
    except ServiceError as refusal:
        return Ack(ok=False, code="refused", message=str(refusal))
    except IntegrityError:
        # The same command committed concurrently (a retry raced the original): its receipt
        # stands and this attempt was rolled back whole.
        raced = CommandReceipt.objects.filter(user=actor, client_id=client_id).first()
        if raced is None:
            raise
        return _receipt_ack(raced, meeting_id=meeting_id, name=name)
    return Ack(ok=True, seq=seq, result=result)


@dataclass(frozen=True)
class Ballot:
    """A tablet's vote.cast command (args validated by the socket schema), for run_ballots."""

    actor: User
    client_id: str
    args: dict[str, Any]
    language: str
    ip: str | None = None  # the tablet's address, for the audit log


def run_ballots(*, meeting_id: int, ballots: list[Ballot]) -> list[Ack | Exception]:
    """Many tablets' vote.cast at once, each answered as run_command would answer it alone.

    The ballots are written in one transaction by voting.cast_votes, each with its receipt; a
    refused one changes nothing and the others go on. Should the whole transaction fail (a retry
    committed meanwhile by another process, say), nothing of it stands and each ballot is run
    again alone through run_command, which sorts that out; an error of one is then that ballot's
    answer only. Precondition: at most one ballot per member (the socket's ballot box sees to it).
    """
    answers: list[Ack | Exception | None] = [None] * len(ballots)
    earlier = {
        (receipt.user_id, receipt.client_id): receipt
        for receipt in CommandReceipt.objects.filter(
            client_id__in={ballot.client_id for ballot in ballots}
        )
    }
    todo: list[int] = []
    for n, ballot in enumerate(ballots):
        receipt = earlier.get((ballot.actor.pk, ballot.client_id))
        if receipt is None:
            todo.append(n)
            continue
        with translation.override(ballot.language):
            answers[n] = _receipt_ack(receipt, meeting_id=meeting_id, name="vote.cast")
    if todo:
        try:
            with transaction.atomic():
                # As in run_command, the acks carry the meeting's last seq (a ballot records no
                # event); read first, it also says whether the meeting is still there.
                seq = (
                    Meeting.objects.filter(pk=meeting_id).values_list("last_seq", flat=True).first()
                )
                if seq is None:
                    for n in todo:
                        with translation.override(ballots[n].language):
                            message = _("Không tìm thấy cuộc họp.")
                        answers[n] = Ack(ok=False, code="refused", message=message)
                    return answers  # type: ignore[return-value]
                outcomes = voting_services.cast_votes(
                    [
                        voting_services.BallotRequest(
                            actor=ballots[n].actor,
                            poll_id=ballots[n].args["poll"],
                            option_id=ballots[n].args["option"],
                            client_id=ballots[n].client_id,
                            ip=ballots[n].ip,
                        )
                        for n in todo
                    ],
                    meeting_id=meeting_id,
                )
                receipts = []
                for n, outcome in zip(todo, outcomes, strict=True):
                    if isinstance(outcome, ServiceError):
                        with translation.override(ballots[n].language):
                            answers[n] = Ack(ok=False, code="refused", message=str(outcome))
                        continue
                    result = {"poll": outcome.poll, "receipt": outcome.receipt}
                    receipts.append(
                        CommandReceipt(
                            user=ballots[n].actor,
                            client_id=ballots[n].client_id,
                            meeting_id=meeting_id,
                            name="vote.cast",
                            seq=seq,
                            result=result,
                        )
                    )
                    answers[n] = Ack(ok=True, seq=seq, result=result)
                CommandReceipt.objects.bulk_create(receipts)
        except Exception as error:
            # Expected only when a retry raced its original in another process; anything else is
            # a fault worth seeing, though each ballot still gets its own answer below.
            level = logging.INFO if isinstance(error, IntegrityError) else logging.ERROR
            logger.log(level, "ballots of a batch run one by one", exc_info=True)
            for n in todo:
                ballot = ballots[n]
                try:
                    with translation.override(ballot.language), client_address(ballot.ip):
                        answers[n] = run_command(
                            actor=ballot.actor,
                            meeting_id=meeting_id,
                            client_id=ballot.client_id,
                            name="vote.cast",
                            args=ballot.args,
                        )
                except Exception as failure:
                    answers[n] = failure
    assert all(answer is not None for answer in answers)
    return answers  # type: ignore[return-value]
