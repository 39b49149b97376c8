"""Voting against a real Daphne process, on the database the suite runs on.

R3: the server is killed (SIGKILL) while 200 tablets are voting. After a restart every
acknowledged ballot is there exactly once, and the tablets that got no answer resubmit with the
same command id and are counted once.

R5: after a secret poll cast over the socket and over HTTP, with the server logging at DEBUG,
nothing in the database, its events or the server's log links a member to a choice, and the
stored ballots are not in the order of voting."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.apps import apps
from django.conf import settings
from django.db import connection, models
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from cabinet.models import (
    Ballot,
    CommandReceipt,
    MeetingEvent,
    Participant,
    Poll,
    PollOption,
    PollVoter,
    SecretBallot,
    User,
)
from cabinet.voting import services as voting
from tests.factories import voting_meeting
from tests.realtime.daphne import ack_of, free_port, open_tablet, start_daphne, stop, wait_for
from tests.realtime.sockets import new_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def meeting_with_voters(count: int, **poll: Any) -> tuple[Poll, User, list[Participant], list[str]]:
    """A meeting in session with `count` members checked in, each signed in, and an open poll
    (the chair, checked in too, may vote but does not here)."""
    meeting, chair_user, users, item = voting_meeting(count)
    by_user = {p.user_id: p for p in meeting.participants.select_related("user")}
    chair, members = by_user[chair_user.pk], [by_user[u.pk] for u in users]
    created = voting.create_poll(
        actor=chair.user, meeting=meeting, question="Thông qua tờ trình", item_id=item.pk, **poll
    )
    opened = voting.open_poll(actor=chair.user, meeting=meeting, poll_id=created.pk)
    opened.meeting = meeting  # loaded here: the async test cannot query for it
    return opened, chair.user, members, [new_session(m.user) for m in members]


async def open_tablets(port: int, meeting_id: int, keys: list[str]) -> list[ClientConnection]:
    """Connect the tablets, 20 handshakes at a time: a room's tablets come in over a minute, not
    in one instant (and Daphne drops a handshake that waits more than 5 s)."""
    gate = asyncio.Semaphore(20)

    async def one(key: str) -> ClientConnection:
        async with gate:
            return await open_tablet(port, meeting_id, key)

    return list(await asyncio.gather(*(one(key) for key in keys)))


def cast(client_id: str, poll: int, option: int) -> str:
    args = {"poll": poll, "option": option}
    return json.dumps({"type": "command", "id": client_id, "name": "vote.cast", "args": args})


async def test_r3_a_killed_server_loses_no_acknowledged_ballot_and_counts_retries_once(
    tmp_path: Path,
) -> None:
    poll, chair, members, keys = await meeting_with_voters(200)
    options = await sync_to_async(lambda: list(poll.options.values_list("pk", flat=True)))()
    choice = {m.pk: options[n % 3] for n, m in enumerate(members)}
    client_ids = {m.pk: f"ballot-{m.pk:06d}" for m in members}
    log = tmp_path / "daphne.log"

    port = free_port()
    server = start_daphne(port, log)
    acked: dict[int, str] = {}

    async def vote(n: int, member: Participant, tablet: ClientConnection) -> None:
        await asyncio.sleep(n * 0.01)  # 200 ballots over two seconds
        try:
            await tablet.send(cast(client_ids[member.pk], poll.pk, choice[member.pk]))
            ack = await ack_of(tablet, client_ids[member.pk])
        except (ConnectionClosed, TimeoutError):
            return  # no answer: the tablet will send the same ballot again
        assert ack["ok"], ack
        acked[member.pk] = ack["result"]["receipt"]

    async def kill_midway() -> None:
        while len(acked) < 60:
            await asyncio.sleep(0.005)
        server.send_signal(signal.SIGKILL)

    try:
        await asyncio.to_thread(wait_for, port, server, log)
        tablets = await open_tablets(port, poll.meeting_id, keys)
        ballots = [vote(n, m, t) for n, (m, t) in enumerate(zip(members, tablets, strict=True))]
        await asyncio.gather(kill_midway(), *ballots)
    finally:
        server.kill()
        server.wait(timeout=10)
    assert 60 <= len(acked) < len(members), "the kill must fall in the middle of the voting"

    @sync_to_async
    def stored() -> dict[int, tuple[str, list[int]]]:
        receipts = dict(
            PollVoter.objects.filter(poll=poll, voted=True).values_list("participant", "receipt")
        )
        ballots: dict[int, list[int]] = {}
        for voter, option in Ballot.objects.filter(poll=poll).values_list("voter", "option"):
            ballots.setdefault(voter, []).append(option)
        return {p: (receipts.get(p, ""), ballots.get(p, [])) for p in receipts | ballots}

    after_crash = await stored()
    for pk, receipt in acked.items():  # every acknowledged ballot, exactly once, as acknowledged
        assert after_crash[pk] == (receipt, [choice[pk]])
    assert all(len(ballots) == 1 for _, ballots in after_crash.values())

    # The restarted server; every tablet sends its ballot again with the same command id (the
    # acknowledged ones too, as a tablet that missed nothing might after a reconnect).
    port = free_port()
    server = start_daphne(port, log)
    try:
        await asyncio.to_thread(wait_for, port, server, log)
        tablets = await open_tablets(port, poll.meeting_id, keys)

        async def resend(member: Participant, tablet: ClientConnection) -> str:
            await tablet.send(cast(client_ids[member.pk], poll.pk, choice[member.pk]))
            ack = await ack_of(tablet, client_ids[member.pk], timeout=30)
            assert ack["ok"], ack
            await tablet.close()
            return str(ack["result"]["receipt"])

        receipts = await asyncio.gather(
            *(resend(m, t) for m, t in zip(members, tablets, strict=True))
        )
    finally:
        stop(server)
    by_member = {m.pk: r for m, r in zip(members, receipts, strict=True)}
    for pk, receipt in acked.items():
        assert by_member[pk] == receipt  # a retry's answer is the original receipt
    for pk, (receipt, _) in after_crash.items():
        assert by_member[pk] == receipt  # committed before the kill, ack lost: same receipt

    result = await sync_to_async(voting.close_poll)(
        actor=chair, meeting=poll.meeting, poll_id=poll.pk
    )
    assert result["cast"] == len(members)
    final = await stored()
    assert {pk: ballots for pk, (_, ballots) in final.items()} == {
        pk: [option] for pk, option in choice.items()
    }


# R5 ---------------------------------------------------------------------------------------


def http_ballot(
    port: int, session_key: str, poll: Poll, option: int, client_id: str
) -> dict[str, Any]:
    """Vote as a tablet without a socket would: get the CSRF cookie from the meeting page, then
    POST the ballot."""
    cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    page = urllib.request.Request(
        f"http://127.0.0.1:{port}/meetings/{poll.meeting_id}/", headers={"Cookie": cookie}
    )
    with urllib.request.urlopen(page, timeout=10) as response:  # noqa: S310 (local server)
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    token = jar[settings.CSRF_COOKIE_NAME].value
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/polls/{poll.pk}/vote/",
        data=json.dumps({"option": option, "client_id": client_id}).encode(),
        headers={
            "Cookie": f"{cookie}; {settings.CSRF_COOKIE_NAME}={token}",
            "X-CSRFToken": token,
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local server)
        return dict(json.loads(response.read()))


def person_keys(value: Any) -> bool:
    return isinstance(value, dict) and bool({"participant", "user", "voter", "name"} & set(value))


def links_in(value: Any) -> list[Any]:
    """Any mapping in a JSON value that names both a person and an option."""
    found = []
    if isinstance(value, dict):
        if person_keys(value) and "option" in value:
            found.append(value)
        for inner in value.values():
            found += links_in(inner)
    elif isinstance(value, list):
        for inner in value:
            found += links_in(inner)
    return found


@sync_to_async
def inspect_database(poll: Poll, voting_order: list[int]) -> None:
    # 1. No model stores a person beside an option for this poll. Models that can (a foreign key
    #    to a person and one to an option) hold no row of it; the secret table has neither a
    #    person nor a time.
    person_models = {Participant, User}
    for model in apps.get_models():
        targets = {f.related_model for f in model._meta.concrete_fields if f.is_relation}
        if targets & person_models and PollOption in targets:
            poll_field = next(f for f in model._meta.concrete_fields if f.related_model is Poll)
            assert not model._default_manager.filter(**{poll_field.name: poll}).exists(), model
    fields = SecretBallot._meta.concrete_fields
    assert not any(f.related_model in person_models for f in fields if f.is_relation)
    assert not any(isinstance(f, models.DateTimeField | models.DateField) for f in fields)
    # 2. Nothing in the meeting's events or the tablets' command receipts pairs a person with
    #    an option, and no ballot wrote an event.
    payloads = list(
        MeetingEvent.objects.filter(meeting=poll.meeting).values_list("payload", flat=True)
    )
    payloads += list(
        CommandReceipt.objects.filter(meeting=poll.meeting).values_list("result", flat=True)
    )
    assert not [link for payload in payloads for link in links_in(payload)]
    receipts = CommandReceipt.objects.filter(meeting=poll.meeting, name="vote.cast")
    assert all(set(r.result) == {"poll", "receipt"} for r in receipts)
    # 3. The stored order of the ballots is not the order of voting (40 ballots over three
    #    options: a shuffle keeps the order by chance about once in 10^17).
    table = connection.ops.quote_name(SecretBallot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT option_id FROM {table} WHERE poll_id = %s", [poll.pk])  # noqa: S608
        stored = [row[0] for row in cursor.fetchall()]
    assert sorted(stored) == sorted(voting_order)
    assert stored != voting_order
    # 4. PostgreSQL stamps each row with the transaction that wrote it: had the ballots kept
    #    theirs, each would match its voter's receipt. The close rewrote them all in its own.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT xmin::text FROM {table} WHERE poll_id = %s", [poll.pk])  # noqa: S608
            ballot_txids = {row[0] for row in cursor.fetchall()}
            receipt_table = connection.ops.quote_name(CommandReceipt._meta.db_table)
            cursor.execute(
                f"SELECT xmin::text FROM {receipt_table} WHERE meeting_id = %s",  # noqa: S608
                [poll.meeting_id],
            )
            receipt_txids = {row[0] for row in cursor.fetchall()}
        assert len(ballot_txids) == 1
        assert not ballot_txids & receipt_txids


async def test_r5_a_secret_poll_leaves_no_link_between_a_member_and_a_choice(
    tmp_path: Path,
) -> None:
    poll, chair, _, keys = await meeting_with_voters(40, kind="secret")
    options = await sync_to_async(lambda: list(poll.options.values_list("pk", flat=True)))()
    labels = await sync_to_async(lambda: list(poll.options.values_list("label", flat=True)))()
    log = tmp_path / "daphne.log"
    port = free_port()
    # The most talkative configuration: every SQL statement logged, everything at DEBUG level.
    server = start_daphne(port, log, DEBUG="1", LOG_SQL="1", LOG_LEVEL="DEBUG")
    voting_order: list[int] = []
    try:
        await asyncio.to_thread(wait_for, port, server, log)
        for n, key in enumerate(keys):
            option = options[(n * 7) % 3]
            client_id = f"secret-{n:04d}"
            if n % 4 == 3:
                answer = await asyncio.to_thread(http_ballot, port, key, poll, option, client_id)
                assert answer["poll"] == poll.pk
            else:
                tablet = await open_tablet(port, poll.meeting_id, key)
                await tablet.send(cast(client_id, poll.pk, option))
                assert (await ack_of(tablet, client_id))["ok"]
                await tablet.close()
            voting_order.append(option)
        result = await sync_to_async(voting.close_poll)(
            actor=chair, meeting=poll.meeting, poll_id=poll.pk
        )
    finally:
        stop(server)
    assert result["cast"] == 40
    await inspect_database(poll, voting_order)

    # The server's log: it did log SQL (so the check below means something), but not one
    # statement of a ballot, and no line names an option.
    text = log.read_text()
    assert re.search(r"SELECT .* FROM .django_session.", text), "DEBUG SQL logging was not on"
    secret_table = SecretBallot._meta.db_table
    assert secret_table not in text
    for label in labels:
        assert label not in text
    for option in options:
        assert f'"option": {option}' not in text
        assert f"option_id = {option}" not in text
