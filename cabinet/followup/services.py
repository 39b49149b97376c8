"""Following up the tasks of a conclusion notice (đôn đốc): the responsible unit reports progress,
the office confirms completion or sends the task back. Every change writes a TaskUpdate, which is
the task's history.

Who may do what:
- a member of the lead unit reports progress and moves the task to "in progress" or "reported"
  (done, awaiting the office's confirmation);
- a member of a coordinating unit adds a note, without changing the status;
- a follow-up user (cabinet.core.permissions.can_follow_up_tasks: the office, the leaders) confirms a
  reported task (→ done) or returns it (→ in progress) with the reason.
Only tracked tasks (the notice has been issued) are followed up, and a done task is closed.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.core.errors import ServiceError
from cabinet.core.permissions import can_follow_up_tasks
from cabinet.models import Task, TaskStatus, TaskUpdate, User, task_file_storage
from cabinet.papers.lib.sandbox import Limits, parse_json_line, run_limited
from cabinet.papers.lib.uploads import ATTACHMENT_KINDS, UploadRejected, check_attachment

logger = logging.getLogger(__name__)

MAX_NOTE_CHARS = 5000
MAX_ATTACHMENT_NAME = 255
# What the lead unit may move a task to; "done" is the office's word, not the unit's.
REPORTABLE_STATUSES = frozenset({TaskStatus.IN_PROGRESS, TaskStatus.REPORTED})


def _not_found() -> ServiceError:
    return ServiceError(_("Không tìm thấy nhiệm vụ."))


def _clean_note(note: str, *, required: bool, missing: str) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ServiceError(missing)
    if len(note) > MAX_NOTE_CHARS:
        raise ServiceError(_("Nội dung quá dài: tối đa %(n)d ký tự.") % {"n": MAX_NOTE_CHARS})
    return note


def _unit_role(actor: User, task: Task) -> str:
    """ "lead", "coordinating" or "" for the actor's unit on this task."""
    if actor.unit_id is None:
        return ""
    if task.lead_unit_id == actor.unit_id:
        return "lead"
    if task.coordinating_units.filter(pk=actor.unit_id).exists():
        return "coordinating"
    return ""


def _lock_task(task_id: int) -> Task:
    """The task row, locked until the transaction ends: two reports, or a report and the office's
    confirmation, on the same task are serialised, so a confirmation never lands on a status that
    has just changed under it."""
    # of=("self",) and an explicit order: Task's default ordering joins the agenda item (LEFT
    # OUTER JOIN), and PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    task = Task.objects.select_for_update(of=("self",)).filter(pk=task_id).order_by("pk").first()
    if task is None:
        raise _not_found()
    return task


def _require_open_tracked(task: Task) -> None:
    if task.tracked_since is None:
        raise ServiceError(
            _("Nhiệm vụ chưa được giao chính thức (thông báo kết luận chưa ban hành).")
        )
    if task.status == TaskStatus.DONE:
        raise ServiceError(_("Nhiệm vụ đã hoàn thành; không thể thay đổi thêm."))


def _require_reporter(actor: User, task: Task, status: str) -> None:
    """Permission and status rules of a progress report (checked again under the row lock)."""
    role = _unit_role(actor, task)
    if not role:
        if can_follow_up_tasks(actor):
            raise ServiceError(
                _("Chỉ đơn vị chủ trì hoặc đơn vị phối hợp mới báo cáo tiến độ nhiệm vụ.")
            )
        raise _not_found()
    _require_open_tracked(task)
    if status == task.status:
        return  # a note that leaves the status as it is
    if role != "lead":
        raise ServiceError(_("Đơn vị phối hợp chỉ gửi ý kiến, không thay đổi tình trạng nhiệm vụ."))
    if status not in REPORTABLE_STATUSES:
        raise ServiceError(
            _(
                "Tình trạng không hợp lệ: chỉ chọn “Đang thực hiện” hoặc “Đã hoàn thành, chờ xác nhận”."
            )
        )


# --- Attachments ------------------------------------------------------------------------------

PDF_REFUSALS = {
    "encrypted": _("Tệp PDF có mật khẩu hoặc bị mã hóa; hãy gửi bản không mã hóa."),
    "no_pages": _("Tệp PDF không có trang nào."),
}


def _pdf_refusal(code: str) -> str:
    if code == "too_many_pages":
        return _("Tệp PDF có quá nhiều trang: tối đa %(n)d trang.") % {
            "n": settings.PAPER_MAX_PAGES
        }
    if code in PDF_REFUSALS:
        return str(PDF_REFUSALS[code])
    return _("Không đọc được tệp PDF (tệp hỏng, không hoàn chỉnh hoặc có cấu trúc bất thường).")


@contextmanager
def _on_disk(upload: UploadedFile) -> Iterator[Path]:
    """A path to the upload's bytes: its temporary file, or a copy of an in-memory upload (deleted
    afterwards)."""
    temporary_path = getattr(upload, "temporary_file_path", None)
    if temporary_path is not None:
        yield Path(temporary_path())
        return
    handle, name = tempfile.mkstemp(prefix="task-attachment-", suffix=".pdf")
    try:
        with os.fdopen(handle, "wb") as out:
            upload.seek(0)
            for chunk in upload.chunks():
                out.write(chunk)
        upload.seek(0)
        yield Path(name)
    finally:
        os.unlink(name)


def _check_pdf_pages(upload: UploadedFile) -> None:
    """Read the PDF's page count with the papers' probe (cabinet.papers.lib.pdf_probe) in the sandbox: a
    hostile PDF cannot hurt the web server, and one that is encrypted, broken or too long is
    refused here rather than found unreadable by the office later."""
    refusal = ""
    pages = 0

    def on_line(line: str) -> None:
        nonlocal refusal, pages
        message = parse_json_line(line)
        if message is None:
            return
        if "error" in message:
            refusal = str(message["error"])
        elif "pages" in message:
            pages = int(message["pages"])  # type: ignore[call-overload]

    with _on_disk(upload) as path:
        outcome = run_limited(
            [
                sys.executable,
                "-m",
                "cabinet.papers.lib.pdf_probe",
                str(path),
                str(settings.PAPER_MAX_PAGES),
            ],
            limits=Limits(
                wall_seconds=settings.PAPER_PARSE_TIMEOUT,
                cpu_seconds=settings.PAPER_PARSE_CPU_SECONDS,
                memory_mb=settings.PAPER_PARSE_MEMORY_MB,
            ),
            on_line=on_line,
            keep_lines=False,
        )
    if outcome.timed_out or outcome.output_overflow:
        raise UploadRejected(_("Tệp PDF quá phức tạp để kiểm tra trong thời gian cho phép."))
    if outcome.returncode != 0 or pages < 1:
        if not refusal:
            logger.warning("task attachment probe failed: %s", outcome.stderr_tail)
        raise UploadRejected(_pdf_refusal(refusal))


def _checked_attachment(upload: UploadedFile) -> str:
    """The attachment's kind after every check, or UploadRejected. Nothing is stored yet."""
    kind = check_attachment(
        upload, size=upload.size or 0, max_bytes=settings.TASK_ATTACHMENT_MAX_BYTES
    )
    if kind == "pdf":
        _check_pdf_pages(upload)
    return kind


def _download_name(original: str | None, kind: str) -> str:
    """The name the file is downloaded under: the sender's, with the extension of what it really
    is (a PNG sent as "bao-cao.pdf" downloads as "bao-cao.pdf.png")."""
    extension = ATTACHMENT_KINDS[kind][0]
    name = os.path.basename((original or "").replace("\\", "/")).strip() or _("dinh-kem")
    if not name.lower().endswith(extension) and not (
        kind == "jpeg" and name.lower().endswith(".jpeg")
    ):
        name += extension
    return name[-MAX_ATTACHMENT_NAME:]


# --- Services ---------------------------------------------------------------------------------


def report_progress(
    *,
    actor: User,
    task_id: int,
    note: str,
    status: str,
    attachment: UploadedFile | None = None,
) -> TaskUpdate:
    """Record a progress report on a tracked, not-done task.

    Preconditions: ``actor`` belongs to the task's lead unit (``status`` may then be
    ``in_progress`` or ``reported``, or the current status for a note) or to a coordinating unit
    (``status`` must be the current one: a note only). ``note`` is required. ``attachment``, if
    any, must be a PDF, DOCX, XLSX, PNG or JPEG by content, at most TASK_ATTACHMENT_MAX_BYTES, and
    a PDF must be readable within PAPER_MAX_PAGES pages.

    The attachment is checked before the transaction starts: the PDF check runs a sandboxed child
    process for up to a second or more, and an SQLite write transaction (IMMEDIATE) would hold the
    database's write lock all that time. The permission and status rules are checked again under
    the row lock, where the change is made.
    """
    note = _clean_note(note, required=True, missing=_("Hãy nhập nội dung báo cáo tiến độ."))
    # A first check without the lock, so that nobody waits for the sandbox to be told no.
    task = Task.objects.filter(pk=task_id).first()
    if task is None:
        raise _not_found()
    _require_reporter(actor, task, status)
    kind = _checked_attachment(attachment) if attachment is not None else ""
    return _record_report(
        actor=actor, task_id=task_id, note=note, status=status, attachment=attachment, kind=kind
    )


def _record_report(
    *,
    actor: User,
    task_id: int,
    note: str,
    status: str,
    attachment: UploadedFile | None,
    kind: str,
) -> TaskUpdate:
    stored_name = ""
    try:
        with transaction.atomic():
            task = _lock_task(task_id)
            _require_reporter(actor, task, status)
            update = TaskUpdate(task=task, author=actor, status=status, note=note)
            if attachment is not None:
                update.attachment_name = _download_name(attachment.name, kind)
                # The stored name is random and carries the extension of the content: nothing
                # the sender chose ends up in a path.
                attachment.seek(0)
                update.attachment.save(
                    uuid.uuid4().hex + ATTACHMENT_KINDS[kind][0], attachment, save=False
                )
                stored_name = update.attachment.name or ""
            update.save()
            if status != task.status:
                task.status = status
                task.save(update_fields=["status", "updated_at"])
            return update
    except BaseException:
        # The row is rolled back: so is the file (a refused report leaves nothing behind).
        if stored_name:
            task_file_storage.delete(stored_name)
        raise


def _require_follow_up(actor: User) -> None:
    if not can_follow_up_tasks(actor):
        raise ServiceError(_("Chỉ Văn phòng và lãnh đạo UBND mới xác nhận hoặc trả lại nhiệm vụ."))


@transaction.atomic
def confirm_completion(*, actor: User, task_id: int, note: str = "") -> TaskUpdate:
    """The office confirms that a reported task is done (reported → done).

    Preconditions: ``actor`` may follow up tasks; the task is tracked and ``reported``."""
    _require_follow_up(actor)
    note = _clean_note(note, required=False, missing="")
    task = _lock_task(task_id)
    _require_open_tracked(task)
    if task.status != TaskStatus.REPORTED:
        raise ServiceError(_("Chỉ xác nhận được nhiệm vụ mà đơn vị chủ trì đã báo cáo hoàn thành."))
    task.status = TaskStatus.DONE
    task.completed_at = timezone.now()
    task.confirmed_by = actor
    task.save(update_fields=["status", "completed_at", "confirmed_by", "updated_at"])
    return TaskUpdate.objects.create(task=task, author=actor, status=TaskStatus.DONE, note=note)


@transaction.atomic
def return_task(*, actor: User, task_id: int, note: str) -> TaskUpdate:
    """The office sends a reported task back to its unit (reported → in progress), saying why.

    Preconditions: ``actor`` may follow up tasks; the task is tracked and ``reported``; ``note``
    (the reason) is not empty."""
    _require_follow_up(actor)
    note = _clean_note(note, required=True, missing=_("Hãy ghi lý do trả lại nhiệm vụ."))
    task = _lock_task(task_id)
    _require_open_tracked(task)
    if task.status != TaskStatus.REPORTED:
        raise ServiceError(_("Chỉ trả lại được nhiệm vụ mà đơn vị chủ trì đã báo cáo hoàn thành."))
    task.status = TaskStatus.IN_PROGRESS
    task.save(update_fields=["status", "updated_at"])
    return TaskUpdate.objects.create(
        task=task, author=actor, status=TaskStatus.IN_PROGRESS, note=note
    )
