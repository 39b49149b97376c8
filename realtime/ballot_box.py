"""The vote.cast commands of all of a process's sockets, written to the database in batches."""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass

from channels.db import database_sync_to_async

from cabinet.live.services.commands import Ack, Ballot, run_ballots


@database_sync_to_async
def _run_ballots(meeting_id: int, ballots: list[Ballot]) -> list[Ack | Exception]:
    return run_ballots(meeting_id=meeting_id, ballots=ballots)


# At most this many ballots are written together: one transaction, which a close waits for.
BALLOTS_PER_BATCH = 200


@dataclass
class _Waiting:
    meeting_id: int
    ballot: Ballot
    answer: asyncio.Future[Ack | Exception]


class BallotBox:
    """The vote.cast commands of all of this process's sockets, written to the database in batches.

    All of a server's database work runs in one thread (Channels' database_sync_to_async), so
    ballots written one at a time queue there: at two thousand tablets voting within five seconds
    the acks came tens of seconds late and the tablets' retries added to the queue
    (bench/vote_burst.py). Here, while one batch is being written, the ballots that arrive wait,
    and then go together (run_ballots: the same answers, far fewer statements). A ballot that
    finds nothing being written goes at once, alone, as before.
    """

    def __init__(self) -> None:
        self.waiting: list[_Waiting] = []
        self.writer: asyncio.Task[None] | None = None

    async def cast(self, meeting_id: int, ballot: Ballot) -> Ack:
        loop = asyncio.get_running_loop()
        waiting = _Waiting(meeting_id, ballot, loop.create_future())
        self.waiting.append(waiting)
        if self.writer is None or self.writer.done():
            self.writer = loop.create_task(self._write())
        answer = await waiting.answer
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def _write(self) -> None:
        while self.waiting:
            # One meeting per batch, and one ballot per member: a member's second ballot (another
            # tablet, or a retry) waits for the next batch, so that it sees the first one.
            meeting_id = self.waiting[0].meeting_id
            batch: list[_Waiting] = []
            rest: list[_Waiting] = []
            members: set[int] = set()
            for waiting in self.waiting:
                member = waiting.ballot.actor.pk
                if (
                    len(batch) < BALLOTS_PER_BATCH
                    and waiting.meeting_id == meeting_id
                    and member not in members
                ):
                    batch.append(waiting)
                    members.add(member)
                else:
                    rest.append(waiting)
            self.waiting = rest
            answers: list[Ack | Exception]
            try:
                answers = await _run_ballots(meeting_id, [w.ballot for w in batch])
            except Exception as error:  # each waiting socket gets it, as it would have alone
                answers = [error] * len(batch)
            for waiting, answer in zip(batch, answers, strict=True):
                if not waiting.answer.done():  # the socket may have closed meanwhile
                    waiting.answer.set_result(answer)


# One ballot box per event loop, as for the hub (realtime.hub): Daphne has one; tests, a loop each.
_ballot_boxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, BallotBox] = (
    weakref.WeakKeyDictionary()
)


def ballot_box() -> BallotBox:
    loop = asyncio.get_running_loop()
    box = _ballot_boxes.get(loop)
    if box is None:
        box = _ballot_boxes[loop] = BallotBox()
    return box
