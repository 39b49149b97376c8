"""The demo's issued conclusion notice: the past meeting's notice, drafted by the assistant from
the meeting's record (with the references the library proposes, as a secretary would accept
them), approved by the chair and issued a few working days after the meeting.

Run by seed_library after the library is loaded (the references come from it). Idempotent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from assistant.notices import drafting
from cabinet.core.workdays import Calendar
from cabinet.demo.data import MEETINGS, RECORDS
from cabinet.followup import services as followup
from cabinet.models import ConclusionNotice, Meeting, MeetingStatus, ParticipantRole, Task, User
from cabinet.records.services import notices as notice_services


def issue_demo_notices() -> list[str]:
    """Issue the notices the demo data asks for; the references of the issued ones."""
    issued = []
    for spec in MEETINGS:
        with transaction.atomic():
            reference = _issue_for(spec)
        if reference:
            issued.append(reference)
    return issued


def _issue_for(spec: dict[str, Any]) -> str:
    """Draft, approve and issue one meeting's notice and report its tasks' progress, all or
    nothing (a half-done notice would make every later run skip the meeting)."""
    plan = RECORDS.get(spec["key"], {}).get("notice")
    meeting = Meeting.objects.filter(title=spec["title"], status=MeetingStatus.ENDED).first()
    if not plan or meeting is None or ConclusionNotice.objects.filter(meeting=meeting).exists():
        return ""
    people = {p.role: p.user for p in meeting.participants.select_related("user")}
    secretary, chair = people[ParticipantRole.SECRETARY], people[ParticipantRole.CHAIR]
    draft = drafting.build_notice(meeting, user=secretary)
    references = {}
    for section in draft.sections:
        found = drafting.suggest_references(section, user=secretary, limit=1)
        if found:
            references[section.key] = [found[0].directive_id]
    content = drafting.overrides_from(draft, parts={}, items={}, references=references)
    notice_services.save_notice_draft(
        actor=secretary, meeting=meeting, variant=plan["variant"], content=content
    )
    notice = ConclusionNotice.objects.get(meeting=meeting)
    shown = drafting.build_notice(meeting, user=chair, notice=notice).as_content()
    notice_services.approve_notice(actor=chair, meeting=meeting, approved_content=shown)
    day = Calendar.from_settings().add_working_days(
        timezone.localdate(meeting.ends_at), plan["working_days_after"]
    )
    notice = notice_services.issue_notice(
        actor=secretary, meeting=meeting, today=min(day, _today())
    )
    _report_progress(meeting, RECORDS[spec["key"]], secretary)
    return notice.reference


def _report_progress(meeting: Meeting, record: dict[str, Any], office: User) -> None:
    """The units' reports on their tasks since the notice, through the follow-up services."""
    tasks = list(
        Task.objects.filter(meeting=meeting).order_by("agenda_item__position", "position", "pk")
    )
    for index, username, status, note, confirmed in record.get("progress", []):
        task = tasks[index]
        reporter = User.objects.get(username=username)
        followup.report_progress(actor=reporter, task_id=task.pk, note=note, status=status)
        if confirmed:
            followup.confirm_completion(
                actor=office, task_id=task.pk, note="Văn phòng xác nhận đã hoàn thành."
            )


def _today() -> dt.date:
    return timezone.localdate()
