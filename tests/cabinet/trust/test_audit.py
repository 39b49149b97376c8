"""The security audit log: every kind of event is recorded with actor, address and UTC time;
a secret ballot's entry never says how anyone voted; rows cannot be changed or deleted; the
security officer's page and CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponseBase, StreamingHttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from cabinet.core.audit import audit, client_address, ip_from
from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import (
    AppendOnlyError,
    AuditAction,
    AuditEntry,
    Meeting,
    Poll,
    PollKind,
    User,
)
from cabinet.trust.security_events import record_security_event
from cabinet.voting import services as voting
from tests.factories import (
    PASSWORD,
    Room,
    invite,
    make_meeting,
    make_unit,
    make_user,
    voting_meeting,
)

pytestmark = pytest.mark.django_db
IP = "203.0.113.7"


def streamed(response: HttpResponseBase) -> bytes:
    """The bytes of a streamed response (the CSV export)."""
    assert isinstance(response, StreamingHttpResponse)
    return response.getvalue()  # b"".join(response.streaming_content)


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def only(action: str) -> AuditEntry:
    (row,) = entries(action)
    return row


def assert_recent_utc(row: AuditEntry) -> None:
    assert row.at.utcoffset() == dt.timedelta(0)
    assert abs(timezone.now() - row.at) < dt.timedelta(minutes=1)


def officer() -> User:
    user = make_user()
    group = Group.objects.create(name="An ninh thông tin (test)")
    group.permissions.add(Permission.objects.get(codename="view_audit"))
    user.groups.add(group)
    return user


# --- The client's address ----------------------------------------------------------------------------
def test_address_is_remote_addr_and_forwarded_for_is_ignored_without_trusted_proxies(
    settings: Settings,
) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    assert ip_from("10.0.0.1", "198.51.100.9") == "10.0.0.1"


def test_behind_trusted_proxies_the_address_is_the_one_the_outermost_proxy_saw(
    settings: Settings,
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    # The client typed the first entry itself; nginx appended the real peer.
    assert ip_from("10.0.0.1", "1.2.3.4, 198.51.100.9") == "198.51.100.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert ip_from("10.0.0.1", "1.2.3.4, 198.51.100.9, 10.0.0.2") == "198.51.100.9"
    settings.TRUSTED_PROXY_COUNT = 1
    assert ip_from("10.0.0.1", "not-an-address") == "10.0.0.1"


# --- Signing in and out ------------------------------------------------------------------------------
def test_sign_in_sign_out_and_a_failed_attempt_are_recorded(client: Client) -> None:
    user = make_user(username="canbo.a")
    client.post(reverse("login"), {"username": "canbo.a", "password": "wrong"}, REMOTE_ADDR=IP)
    failed = only(AuditAction.SIGN_IN_FAILED)
    assert failed.actor_id is None
    assert failed.username == "canbo.a"
    assert failed.ip == IP
    assert "wrong" not in json.dumps(failed.detail)
    assert_recent_utc(failed)

    client.post(reverse("login"), {"username": "canbo.a", "password": PASSWORD}, REMOTE_ADDR=IP)
    signed_in = only(AuditAction.SIGN_IN)
    assert (signed_in.actor_id, signed_in.username, signed_in.ip) == (user.pk, "canbo.a", IP)
    assert_recent_utc(signed_in)

    client.post(reverse("logout"), REMOTE_ADDR="198.51.100.20")
    signed_out = only(AuditAction.SIGN_OUT)
    assert (signed_out.actor_id, signed_out.ip) == (user.pk, "198.51.100.20")
    # Signing in saves last_login: not an account change.
    assert not entries(AuditAction.ACCOUNT_FLAGS_CHANGED)


def test_the_username_is_kept_when_the_account_is_renamed(client: Client) -> None:
    user = make_user(username="ten.cu")
    client.force_login(user)
    audit(None, action=AuditAction.SECURITY_EVENT, actor=user)
    user.username = "ten.moi"
    user.save()
    assert only(AuditAction.SECURITY_EVENT).username == "ten.cu"


# --- Papers and exports ------------------------------------------------------------------------------
def test_paper_views_and_downloads_are_recorded_with_the_reader_and_address(client: Client) -> None:
    room = Room()
    member = room.member.user
    client.force_login(member)
    version = room.public_paper.current_version
    assert version is not None
    args = [room.public_paper.pk, version.number]

    assert client.get(reverse("cabinet:paper_view", args=args), REMOTE_ADDR=IP).status_code == 200
    assert (
        client.get(reverse("cabinet:paper_download", args=args), REMOTE_ADDR=IP).status_code == 200
    )

    for action in (AuditAction.PAPER_VIEWED, AuditAction.PAPER_DOWNLOADED):
        row = only(action)
        assert (row.actor_id, row.ip, row.meeting_id) == (member.pk, IP, room.meeting.pk)
        assert row.detail["paper"] == room.public_paper.pk
        assert_recent_utc(row)


def test_exports_are_recorded(client: Client) -> None:
    meeting, chair, _members, _item = voting_meeting(members=2)
    client.force_login(chair)
    assert (
        client.get(reverse("cabinet:minutes_docx", args=[meeting.pk]), REMOTE_ADDR=IP).status_code
        == 200
    )
    record = only(AuditAction.EXPORT_RECORD)
    assert (record.actor_id, record.ip, record.meeting_id) == (chair.pk, IP, meeting.pk)
    assert record.detail["record"] == "minutes"

    assert client.get(reverse("cabinet:task_export"), REMOTE_ADDR=IP).status_code == 200
    excel = only(AuditAction.EXPORT_EXCEL)
    assert (excel.actor_id, excel.ip) == (chair.pk, IP)

    room = Room()
    client.force_login(room.secretary)
    url = reverse("cabinet:comments_export", args=[room.public_paper.pk])
    assert client.get(url, REMOTE_ADDR=IP).status_code == 200
    comments = only(AuditAction.EXPORT_COMMENTS)
    assert (comments.actor_id, comments.ip, comments.meeting_id) == (
        room.secretary.pk,
        IP,
        room.meeting.pk,
    )


# --- Polls and ballots -------------------------------------------------------------------------------
def _poll(kind: str = PollKind.OPEN, members: int = 3) -> tuple[Meeting, User, list[User], Poll]:
    meeting, chair, people, item = voting_meeting(members=members)
    poll = voting.create_poll(
        actor=chair, meeting=meeting, question="Thông qua tờ trình", kind=kind, item_id=item.pk
    )
    with client_address("10.1.1.1"):
        voting.open_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    poll.refresh_from_db()
    return meeting, chair, people, poll


def test_poll_state_changes_are_recorded() -> None:
    meeting, chair, _people, poll = _poll()
    opened = only(AuditAction.POLL_OPENED)
    assert (opened.actor_id, opened.ip, opened.object_id) == (chair.pk, "10.1.1.1", str(poll.pk))
    voting.close_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    voting.publish_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    assert only(AuditAction.POLL_CLOSED).actor_id == chair.pk
    assert only(AuditAction.POLL_PUBLISHED).actor_id == chair.pk

    other = voting.create_poll(actor=chair, meeting=meeting, question="Câu hỏi sai")
    voting.open_poll(actor=chair, meeting=meeting, poll_id=other.pk)
    voting.reset_poll(actor=chair, meeting=meeting, poll_id=other.pk)
    assert only(AuditAction.POLL_RESET).object_id == str(other.pk)


def test_an_open_ballot_is_recorded_with_the_voter_and_address_but_not_the_choice(
    client: Client,
) -> None:
    _meeting, _chair, people, poll = _poll()
    option = poll.options.order_by("position")[1]
    client.force_login(people[0])
    response = client.post(
        reverse("cabinet:poll_vote", args=[poll.pk]),
        {"option": option.pk, "client_id": "ballot-abc123"},
        content_type="application/json",
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 200
    row = only(AuditAction.VOTE_CAST)
    assert (row.actor_id, row.ip, row.meeting_id) == (people[0].pk, IP, poll.meeting_id)
    assert_recent_utc(row)
    assert row.detail == {"poll": poll.pk, "changed": False}
    assert option.label not in json.dumps(row.detail, ensure_ascii=False)
    assert response.json()["receipt"] not in json.dumps(row.detail)


def test_a_secret_ballot_never_says_how_anyone_voted() -> None:
    meeting, chair, people, poll = _poll(PollKind.SECRET, members=3)
    options = list(poll.options.order_by("position"))
    # They vote in the reverse order of their usernames, for three different options.
    voters = sorted(people, key=lambda u: u.username, reverse=True)
    for n, (user, option) in enumerate(zip(voters, options, strict=True)):
        with client_address(f"10.9.9.{n}"):
            voting.cast_vote(actor=user, poll_id=poll.pk, option_id=option.pk, client_id=f"c{n}")

    # Nothing is written while the poll is open: not even that someone voted, nor when.
    assert not entries(AuditAction.VOTE_CAST)

    voting.close_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    poll = Poll.objects.get(pk=poll.pk)
    rows = entries(AuditAction.VOTE_CAST)
    assert {r.actor_id for r in rows} == {u.pk for u in people}
    # Who voted: yes. When, from where, in which order: no (the close's time, username order).
    assert {r.at for r in rows} == {poll.closed_at}
    assert [r.username for r in rows] == sorted(u.username for u in people)
    assert {r.ip for r in rows} == {None}
    receipts = [voter.receipt for voter in poll.voters.filter(voted=True)]
    assert len(receipts) == 3
    forbidden = [o.label for o in options] + receipts
    for row in AuditEntry.objects.filter(meeting_id=meeting.pk):
        text = json.dumps(
            [row.detail, row.object_type, row.object_id], ensure_ascii=False, default=str
        )
        assert not any(word in text for word in forbidden), text
        if row.action == AuditAction.VOTE_CAST:
            assert row.detail == {"poll": poll.pk, "secret": True}
            assert (row.object_type, row.object_id) == ("cabinet.poll", str(poll.pk))


def test_a_lone_secret_voter_is_not_timed_either() -> None:
    meeting, chair, people, poll = _poll(PollKind.SECRET, members=1)
    option = poll.options.first()
    assert option is not None
    voting.cast_vote(actor=people[0], poll_id=poll.pk, option_id=option.pk, client_id="solo")
    voting.close_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
    poll.refresh_from_db()
    assert only(AuditAction.VOTE_CAST).at == poll.closed_at


# --- Permissions and roles ---------------------------------------------------------------------------
def test_group_permission_and_account_flag_changes_are_recorded_with_who_made_them() -> None:
    admin = make_user(username="quantri")
    request = RequestFactory().post("/admin/", REMOTE_ADDR=IP)
    request.user = admin
    target = make_user(username="nguoi.dung")
    group = Group.objects.create(name="Văn phòng")
    permission = Permission.objects.get(codename="organize_meetings")

    with client_address(IP, request):
        target.groups.add(group)
        group.user_set.remove(target)
        target.user_permissions.add(permission)
        target.user_permissions.clear()
        target.is_staff = True
        target.save()
        group.permissions.add(permission)

    groups = entries(AuditAction.GROUPS_CHANGED)
    assert [(r.detail["change"], r.detail["groups"]) for r in groups] == [
        ("added", ["Văn phòng"]),
        ("removed", ["Văn phòng"]),
    ]
    perms = entries(AuditAction.PERMISSIONS_CHANGED)
    assert [r.detail["change"] for r in perms] == ["added", "cleared"]
    assert perms[1].detail["user_permissions"] == ["cabinet.organize_meetings"]
    flags = only(AuditAction.ACCOUNT_FLAGS_CHANGED)
    assert flags.detail["changes"] == {"is_staff": [False, True]}
    assert only(AuditAction.GROUP_PERMISSIONS_CHANGED).detail["group"] == "Văn phòng"
    for row in [*groups, *perms, flags]:
        assert (row.actor_id, row.ip) == (admin.pk, IP)
        assert row.detail["target_username"] == "nguoi.dung"
        assert_recent_utc(row)


def test_participant_roles_are_recorded_when_added_changed_and_removed() -> None:
    meeting = make_meeting()
    before = AuditEntry.objects.filter(action=AuditAction.PARTICIPANT_ROLE_CHANGED).count()
    member = invite(meeting, "member")
    member.role = "observer"
    member.can_vote = False
    member.save()
    secretary = meeting.participants.get(role="secretary").user
    meeting_services.remove_participant(actor=secretary, participant=member)
    rows = entries(AuditAction.PARTICIPANT_ROLE_CHANGED)[before:]
    assert [r.detail["change"] for r in rows] == ["added", "changed", "removed"]
    assert rows[1].detail["changes"] == {"role": ["member", "observer"], "can_vote": [True, False]}
    assert {r.meeting_id for r in rows} == {meeting.pk}


def test_library_access_changes_are_recorded() -> None:
    from assistant.models import Directive

    librarian = make_user()
    directive = Directive.objects.create(
        title="Chỉ thị về chuyển đổi số",
        source_format="txt",
        original_name="ct.txt",
        sha256="0" * 64,
        size=1,
        uploaded_by=librarian,
    )
    unit = make_unit(code="so-tc")
    directive.visibility = "restricted"
    directive.save()
    directive.allowed_units.add(unit)
    directive.allowed_users.add(librarian)
    rows = entries(AuditAction.LIBRARY_ACCESS_CHANGED)
    assert [r.detail["change"] for r in rows] == ["visibility", "added", "added"]
    assert rows[0].detail["visibility"] == ["public", "restricted"]
    assert rows[1].detail["allowed_units"] == ["so-tc"]
    assert {r.object_id for r in rows} == {str(directive.pk)}


def test_security_events_from_other_features_are_recorded() -> None:
    actor, target = make_user(), make_user(username="may.tinh.bang")
    row = record_security_event(
        actor=actor, target=target, action="session.revoked", detail={"sessions": 2}
    )
    assert row.action == AuditAction.SECURITY_EVENT
    assert row.detail == {
        "event": "session.revoked",
        "sessions": 2,
        "target_username": "may.tinh.bang",
    }
    assert (row.actor_id, row.object_type, row.object_id) == (
        actor.pk,
        "cabinet.user",
        str(target.pk),
    )


# --- Append-only ------------------------------------------------------------------------------------
def test_entries_cannot_be_changed_or_deleted_through_the_orm() -> None:
    row = audit(None, action=AuditAction.SECURITY_EVENT, detail={"event": "x"})
    row.detail = {"event": "y"}
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=row.pk).update(detail={})
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=row.pk).delete()
    assert AuditEntry.objects.get(pk=row.pk).detail == {"event": "x"}


@pytest.mark.parametrize(
    "statement", ["UPDATE cabinet_auditentry SET username = 'x'", "DELETE FROM cabinet_auditentry"]
)
def test_the_database_refuses_changes_whatever_code_tries(statement: str) -> None:
    audit(None, action=AuditAction.SECURITY_EVENT)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEntry.objects.count() >= 1


def test_deleting_a_user_keeps_their_entries() -> None:
    user = make_user(username="tam.thoi")
    audit(None, action=AuditAction.SECURITY_EVENT, actor=user)
    user.delete()
    row = only(AuditAction.SECURITY_EVENT)
    assert row.username == "tam.thoi"


def test_the_admin_is_read_only(client: Client) -> None:
    user = officer()
    user.is_staff = True
    user.save()
    row = audit(None, action=AuditAction.SECURITY_EVENT)
    client.force_login(user)
    assert client.get(reverse("admin:cabinet_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:cabinet_auditentry_add")).status_code == 403
    page = client.get(reverse("admin:cabinet_auditentry_change", args=[row.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(reverse("admin:cabinet_auditentry_delete", args=[row.pk])).status_code == 403


# --- The security officer's page and export -----------------------------------------------------------
def _seed_log() -> tuple[User, User]:
    alice, bob = make_user(username="alice"), make_user(username="bob")
    with client_address("10.0.0.1"):
        audit(None, action=AuditAction.SIGN_IN, actor=alice)
    with client_address("10.0.0.2"):
        audit(None, action=AuditAction.PAPER_VIEWED, actor=bob, meeting_id=42, detail={"paper": 7})
    audit(None, action=AuditAction.SIGN_OUT, actor=alice)
    # An older row, written as it would have been then (rows are never updated).
    AuditEntry(
        at=dt.datetime(2026, 1, 5, 23, 30, tzinfo=dt.UTC),
        username='=HYPERLINK("http://x")',
        action=AuditAction.SIGN_IN_FAILED,
        detail={"username": '=HYPERLINK("http://x")'},
    ).save()
    return alice, bob


def test_the_page_is_for_security_officers_only(client: Client) -> None:
    url = reverse("cabinet:audit_log")
    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    client.force_login(make_user())
    assert client.get(url).status_code == 403
    assert client.get(reverse("cabinet:audit_export")).status_code == 403
    client.force_login(officer())
    page = client.get(url)
    assert page.status_code == 200
    assert "UTC" in page.content.decode()


def test_the_page_filters_by_actor_action_address_meeting_text_and_utc_dates(
    client: Client,
) -> None:
    _seed_log()
    client.force_login(officer())
    url = reverse("cabinet:audit_log")

    def shown(**params: str | int) -> set[str]:
        page = client.get(url, params).context["page"]
        return {f"{r.username}:{r.action}" for r in page}

    assert shown(actor="alice") == {"alice:auth.sign_in", "alice:auth.sign_out"}
    assert shown(action="paper.viewed") == {"bob:paper.viewed"}
    assert shown(ip="10.0.0.2") == {"bob:paper.viewed"}
    assert shown(meeting=42) == {"bob:paper.viewed"}
    assert shown(q="bob") == {"bob:paper.viewed"}
    # 23:30 UTC on 5 January is already 6 January in Hà Nội: the filter's days are UTC days.
    assert shown(date_from="2026-01-05", date_to="2026-01-05") == {
        '=HYPERLINK("http://x"):auth.sign_in_failed'
    }
    assert shown(date_from="2026-01-06", date_to="2026-01-06") == set()
    # An invalid filter is reported, the others still apply.
    response = client.get(url, {"meeting": "abc", "actor": "bob"})
    assert response.context["form"].errors
    assert {r.username for r in response.context["page"]} == {"bob"}


def test_csv_export_has_a_bom_utc_times_actor_and_address_and_is_itself_audited(
    client: Client,
) -> None:
    _seed_log()
    user = officer()
    client.force_login(user)

    def export(**params: str) -> dict[tuple[str, str], dict[str, str]]:
        response = client.get(reverse("cabinet:audit_export"), params, REMOTE_ADDR=IP)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        body = streamed(response).decode("utf-8")
        assert body.startswith("\ufeff")
        rows = csv.DictReader(io.StringIO(body.removeprefix("\ufeff")))
        return {(r["username"], r["action"]): r for r in rows}

    by_user = export()
    sign_in = by_user[("alice", "auth.sign_in")]
    assert sign_in["ip"] == "10.0.0.1"
    assert sign_in["timestamp_utc"].endswith("Z")
    assert dt.datetime.fromisoformat(sign_in["timestamp_utc"]).utcoffset() == dt.timedelta(0)
    assert by_user[('\'=HYPERLINK("http://x")', "auth.sign_in_failed")]["timestamp_utc"] == (
        "2026-01-05T23:30:00Z"
    )
    assert ("bob", "paper.viewed") in by_user
    assert {name for name, _action in export(actor="alice")} == {"alice"}  # the filter applies
    first, second = entries(AuditAction.EXPORT_AUDIT)
    assert (first.actor_id, first.ip, first.detail) == (user.pk, IP, {"filters": {}})
    assert second.detail == {"filters": {"actor": "alice"}}
