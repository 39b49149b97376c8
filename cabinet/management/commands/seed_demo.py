"""Load the demo People's Committee: units, officials, and meetings with papers: one in session
(with its live room), one upcoming, one past.

Everything goes through the same services a secretary uses, so the demo also exercises them (the
event log, permissions, PDF checks). Idempotent: a second run leaves an existing demo alone.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cabinet.demo.data import MEETINGS, PAPERS, PEOPLE, RECORDS, SECRETARIAT_GROUP, UNITS
from cabinet.live.services import attendance as attendance_services
from cabinet.live.services import room as room_services
from cabinet.live.services import session as session_services
from cabinet.live.services import speakers as speaker_services
from cabinet.meetings.services import agenda as agenda_services
from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import (
    AgendaItem,
    InvitationGroup,
    ItemClock,
    Meeting,
    Participant,
    Unit,
    User,
)
from cabinet.papers.services import papers as paper_services
from cabinet.papers.services.processing import process_version
from cabinet.records.documents.paper_render import DocumentHeader, render_document
from cabinet.records.forms import parse_into_fields
from cabinet.records.services import conclusions as conclusion_services
from cabinet.voting import services as voting_services

PAPER_DIR = Path(__file__).resolve().parents[2] / "demo" / "papers"
# The committee's chair and vice-chairs follow every task up, as the office does.
LEADERS_GROUP = "Lãnh đạo UBND Thành phố"
# The security officers read the audit log (/security/audit/).
SECURITY_GROUP = "An ninh thông tin"
CITY = "Hà Nội"
# The demo password is public by design (README); DEMO_PASSWORD overrides it.
DEFAULT_PASSWORD = "phonghop2026"  # noqa: S105


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


class Command(BaseCommand):
    help = "Load the demo units, accounts, meetings and papers (skipped when already loaded)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--today", help="Date the demo is built around (YYYY-MM-DD); default: today"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(username="thuky").exists():
            self.stdout.write("Demo already loaded; nothing to do.")
            return
        today = (
            dt.date.fromisoformat(options["today"]) if options["today"] else timezone.localdate()
        )
        with transaction.atomic():
            units = self._units()
            users = self._people(units)
            self._invitation_groups(users)
        for spec in MEETINGS:
            self._meeting(spec, units, users, today)
        self.stdout.write(self.style.SUCCESS("Demo loaded."))

    def _units(self) -> dict[str, Unit]:
        return {
            spec["code"]: Unit.objects.create(
                code=spec["code"].lower(),
                name=spec["name"],
                short_name=spec["short_name"],
                kind=spec["kind"],
            )
            for spec in UNITS
        }

    def _people(self, units: dict[str, Unit]) -> dict[str, User]:
        secretariat, _ = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
        follow_up = Permission.objects.get(codename="follow_up_tasks")
        secretariat.permissions.add(Permission.objects.get(codename="organize_meetings"), follow_up)
        leaders, _ = Group.objects.get_or_create(name=LEADERS_GROUP)
        leaders.permissions.add(follow_up)
        security, _ = Group.objects.get_or_create(name=SECURITY_GROUP)
        security.permissions.add(Permission.objects.get(codename="view_audit"))
        users = {}
        for spec in PEOPLE:
            user = User(
                username=spec["username"],
                full_name=spec["full_name"],
                position=spec["position"],
                unit=units[spec["unit"]],
            )
            if spec["demo_role"] == "admin":
                user.is_staff = user.is_superuser = True
            user.set_password(demo_password())
            user.save()
            if spec["demo_role"] == "secretary":
                user.groups.add(secretariat)
            if spec["demo_role"] in ("chair", "vice_chair"):
                user.groups.add(leaders)
            if spec["demo_role"] == "admin":
                user.groups.add(security)
            users[spec["username"]] = user
        return users

    def _invitation_groups(self, users: dict[str, User]) -> None:
        """The lists a secretary invites at once from the participants page (issue 19)."""
        people = list(users.values())
        directors = [u for u in people if u.position.startswith("Giám đốc ")]
        committee = [u for u in people if u.unit is not None and u.unit.kind == "committee"]
        chief_of_office = [u for u in people if u.position.startswith("Chánh Văn phòng")]
        InvitationGroup.objects.create(name="Giám đốc các Sở, ngành").members.set(directors)
        InvitationGroup.objects.create(name="Thành viên UBND Thành phố").members.set(
            committee + chief_of_office + directors
        )

    def _meeting(
        self, spec: dict[str, Any], units: dict[str, Unit], users: dict[str, User], today: dt.date
    ) -> Meeting:
        secretary = users["thuky"]
        day = today + dt.timedelta(days=spec["days_from_today"])
        hour, minute = (int(x) for x in spec["start_time"].split(":"))
        starts_at = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
        meeting = meeting_services.create_meeting(
            actor=secretary,
            title=spec["title"],
            kind=spec["kind"],
            location=spec["location"],
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=spec["duration_minutes"]),
            organizer_unit=units["VP"],
            description=spec["description"],
        )
        participants: dict[str, Participant] = {}
        for p in spec["participants"]:
            if p["username"] == secretary.username:
                participants[p["username"]] = meeting.participants.get(user=secretary)
                continue
            participants[p["username"]] = meeting_services.invite_participant(
                actor=secretary,
                meeting=meeting,
                user=users[p["username"]],
                role=p["role"],
                can_vote=p["can_vote"],
                substitute_for=users[p["substitute_for"]] if p["substitute_for"] else None,
            )
        guests = [p for p in participants.values() if p.role == "guest"]
        paper_date = day - dt.timedelta(days=5)
        for item_spec in spec["agenda"]:
            item = self._item(meeting, item_spec, None, units, users, guests, secretary)
            self._papers(meeting, item, item_spec, paper_date, secretary)
            for child_spec in item_spec.get("children", []):
                child = self._item(meeting, child_spec, item, units, users, guests, secretary)
                self._papers(meeting, child, child_spec, paper_date, secretary)
        meeting_services.publish_meeting(actor=secretary, meeting=meeting)
        chair = users[spec["chair"]]
        record = RECORDS.get(spec["key"], {})
        if day < today:
            meeting_services.start_meeting(actor=chair, meeting=meeting)
            self._roll_call(meeting, record.get("attendance", []), participants, secretary)
            top = list(meeting.agenda_items.filter(parent__isnull=True).order_by("position"))
            for poll_spec in record.get("polls", []):
                self._poll(meeting, poll_spec, top, users, chair)
            session_services.end_meeting(actor=chair, meeting=meeting)
        elif "live" in spec:
            meeting_services.start_meeting(actor=chair, meeting=meeting)
            self._live(meeting, spec["live"], participants, users, secretary, chair)
        if record and meeting.status in ("in_session", "ended"):
            self._record(meeting, record, secretary, day)
        return meeting

    def _roll_call(
        self,
        meeting: Meeting,
        attendance: list[tuple[str, str, str]],
        participants: dict[str, Participant],
        secretary: User,
    ) -> None:
        for username, status, detail in attendance:
            attendance_services.mark_attendance(
                actor=secretary,
                meeting=meeting,
                participant_id=participants[username].pk,
                status=status,
                reason=detail if status == "absent" else "",
                substitute=detail if status == "represented" else "",
            )

    def _record(
        self, meeting: Meeting, record: dict[str, Any], secretary: User, day: dt.date
    ) -> None:
        """Conclusions and tasks, the tasks typed as sentences and read by the form's parser (a
        sentence it cannot read fully is a mistake in the demo data: stop and say so)."""
        top = list(meeting.agenda_items.filter(parent__isnull=True).order_by("position"))
        if record.get("general"):
            conclusion_services.record_conclusion(
                actor=secretary, meeting=meeting, item_id=None, text=record["general"]
            )
        for index, item_record in record.get("items", {}).items():
            item = top[index]
            conclusion_services.record_conclusion(
                actor=secretary, meeting=meeting, item_id=item.pk, text=item_record["conclusion"]
            )
            for template, days in item_record.get("tasks", []):
                deadline = day + dt.timedelta(days=days)
                sentence = template.format(deadline=f"{deadline:%d/%m/%Y}")
                fields, parsed = parse_into_fields(sentence, today=day)
                if parsed.lead is None or parsed.unknown_units or parsed.deadline != deadline:
                    raise CommandError(f"demo task sentence not fully read: {sentence}")
                conclusion_services.add_task(
                    actor=secretary,
                    meeting=meeting,
                    item_id=item.pk,
                    lead_unit_id=fields["lead_unit"],
                    coordinating_unit_ids=fields["coordinating_units"],
                    with_related_units=fields["with_related_units"],
                    content=fields["content"],
                    deadline=fields["deadline"],
                    report_to=fields["report_to"],
                    source_text=sentence,
                )

    def _live(
        self,
        meeting: Meeting,
        live: dict[str, Any],
        participants: dict[str, Participant],
        users: dict[str, User],
        secretary: User,
        chair: User,
    ) -> None:
        """Attendance, the current item and its queue, through the services the console uses."""
        self._roll_call(meeting, live["attendance"], participants, secretary)
        top = list(meeting.agenda_items.filter(parent__isnull=True).order_by("position"))
        item = top[live["current_item"]]
        room_services.move_to_item(actor=chair, meeting=meeting, item_id=item.pk)
        # The item has been under discussion for a while.
        ItemClock.objects.filter(item=item).update(
            running_since=timezone.now() - dt.timedelta(minutes=live["minutes_elapsed"])
        )
        for username, position, note in live["queue"]:
            speaker_services.request_floor(
                actor=users[username], meeting=meeting, position=position, note=note
            )
        speaking = speaker_services.request_floor(
            actor=users[live["speaking"]], meeting=meeting, position="other"
        )
        speaker_services.give_floor(actor=chair, meeting=meeting, request_id=speaking.pk)
        for poll_spec in live.get("polls", []):
            self._poll(meeting, poll_spec, top, users, chair)

    def _poll(
        self,
        meeting: Meeting,
        spec: dict[str, Any],
        top: list[AgendaItem],
        users: dict[str, User],
        chair: User,
    ) -> None:
        """A poll through the services: prepared, or opened, voted on, closed and published."""
        poll = voting_services.create_poll(
            actor=chair,
            meeting=meeting,
            question=spec["question"],
            kind=spec["kind"],
            rule=spec["rule"],
            item_id=top[spec["item"]].pk,
        )
        if not spec["ballots"]:
            return
        voting_services.open_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
        options = list(poll.options.order_by("position").values_list("pk", flat=True))
        for username, choice in spec["ballots"].items():
            voting_services.cast_vote(
                actor=users[username],
                poll_id=poll.pk,
                option_id=options[choice],
                client_id=f"demo-{poll.pk}-{username}",
            )
        voting_services.close_poll(actor=chair, meeting=meeting, poll_id=poll.pk)
        if spec["publish"]:
            voting_services.publish_poll(actor=chair, meeting=meeting, poll_id=poll.pk)

    def _item(
        self,
        meeting: Meeting,
        spec: dict[str, Any],
        parent: AgendaItem | None,
        units: dict[str, Unit],
        users: dict[str, User],
        guests: list[Participant],
        secretary: User,
    ) -> AgendaItem:
        return agenda_services.add_agenda_item(
            actor=secretary,
            meeting=meeting,
            parent=parent,
            title=spec["title"],
            description=spec.get("description", ""),
            presenter_unit=units[spec["presenter_unit"]] if spec.get("presenter_unit") else None,
            presenter=users[spec["presenter"]] if spec.get("presenter") else None,
            planned_minutes=spec["planned_minutes"],
            audience=guests if spec.get("guests_invited") else (),
        )

    def _papers(
        self,
        meeting: Meeting,
        item: AgendaItem,
        spec: dict[str, Any],
        date: dt.date,
        secretary: User,
    ) -> None:
        for slug in spec.get("papers", []):
            paper = PAPERS[slug]
            pdf = render_paper(slug, date)
            attached = paper_services.attach_paper(
                actor=secretary,
                meeting=meeting,
                agenda_item=item,
                title=paper["title"],
                kind=paper["kind"],
                upload=SimpleUploadedFile(f"{slug}.pdf", pdf, content_type="application/pdf"),
            )
            # Process now rather than in the worker, so the demo is readable as soon as the server
            # starts (the queued task then finds the version ready and does nothing).
            process_version(attached.versions.get().pk)


def render_paper(slug: str, date: dt.date) -> bytes:
    """The demo paper `slug` as a PDF with its issuing unit's header."""
    spec = PAPERS[slug]
    issuer = next(u for u in UNITS if u["code"] == spec["issuer"])
    committee = issuer["kind"] == "committee"
    header = DocumentHeader(
        parent_body="" if committee else f"UBND THÀNH PHỐ {CITY.upper()}",
        issuing_body=f"ỦY BAN NHÂN DÂN THÀNH PHỐ {CITY.upper()}" if committee else issuer["name"],
        number=spec["number"],
        place=CITY,
        date=date,
    )
    body = (PAPER_DIR / f"{slug}.txt").read_text(encoding="utf-8")
    return render_document(header, body, title=spec["title"])
