"""Papers (tài liệu) and their immutable versions."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class PrivatePaperStorage(FileSystemStorage):
    """Files under MEDIA_ROOT/<folder> with no base URL: they can only be streamed by a view.

    The location follows MEDIA_ROOT when it changes (FileSystemStorage clears this cached property
    on the setting_changed signal), so tests can point it at a temporary folder. Subclasses name
    another folder (the assistant's library).
    """

    folder = "papers"

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @cached_property
    def base_location(self) -> str:
        return str(Path(settings.MEDIA_ROOT) / self.folder)


private_paper_storage = PrivatePaperStorage()


class PaperKind(models.TextChoices):
    AGENDA = "agenda", _("Chương trình")
    REPORT = "report", _("Báo cáo")
    PROPOSAL = "proposal", _("Tờ trình")
    DRAFT_DECISION = "draft_decision", _("Dự thảo quyết định")
    DRAFT_PLAN = "draft_plan", _("Dự thảo kế hoạch")
    OTHER = "other", _("Tài liệu khác")


class Paper(models.Model):
    Kind = PaperKind

    meeting = models.ForeignKey("cabinet.Meeting", on_delete=models.CASCADE, related_name="papers")
    agenda_item = models.ForeignKey(
        "cabinet.AgendaItem",
        verbose_name=_("thuộc nội dung"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="papers",
    )
    title = models.CharField(_("tên tài liệu"), max_length=300)
    kind = models.CharField(_("loại tài liệu"), max_length=20, choices=Kind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "agenda_item_id", "created_at"]
        verbose_name = _("tài liệu")
        verbose_name_plural = _("tài liệu")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in PaperKind]), name="paper_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    # Both read `versions.all()`, so they use a prefetch when there is one (newest first either way).
    @property
    def current_version(self) -> PaperVersion | None:
        """The newest version that is ready to read: what members see."""
        return next((v for v in self.versions.all() if v.status == VersionStatus.READY), None)

    @property
    def previous_version(self) -> PaperVersion | None:
        """The ready version before the current one: what "what changed" compares against."""
        ready = [v for v in self.versions.all() if v.status == VersionStatus.READY]
        return ready[1] if len(ready) > 1 else None

    @property
    def latest_version(self) -> PaperVersion | None:
        """The newest version in any state: what organizers follow while it is processed."""
        return next(iter(self.versions.all()), None)


def paper_version_path(instance: PaperVersion, filename: str) -> str:
    return f"{instance.paper.meeting_id}/{instance.paper_id}/v{instance.number}-{instance.sha256[:16]}.pdf"


def paper_source_path(instance: PaperVersion, filename: str) -> str:
    """The uploaded file as it came (kept for the record when it had to be converted to PDF)."""
    suffix = instance.source_kind if instance.source_kind in SourceKind.values else "bin"
    return f"{instance.paper.meeting_id}/{instance.paper_id}/v{instance.number}-source.{suffix}"


class SourceKind(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "DOCX"
    DOC = "doc", "DOC"
    ODT = "odt", "ODT"


class VersionStatus(models.TextChoices):
    """Where a version is in the pipeline. Only READY versions are shown to anyone but organizers."""

    QUEUED = "queued", _("Đang chờ xử lý")
    CONVERTING = "converting", _("Đang chuyển sang PDF")
    EXTRACTING = "extracting", _("Đang đọc nội dung")
    READY = "ready", _("Sẵn sàng")
    FAILED = "failed", _("Bị từ chối")


# Why processing refused a version: the code is stored in PaperVersion.error, the message is shown
# to the uploader in their language.
VERSION_FAILURES = {
    "encrypted": _("Tệp PDF có mật khẩu hoặc bị mã hóa; hãy tải lên bản không mã hóa."),
    "too_many_pages": _("Tài liệu vượt giới hạn số trang cho phép."),
    "no_pages": _("Tệp PDF không có trang nào."),
    "not_pdf": _("Tệp không phải PDF."),
    "unreadable": _("Không đọc được tệp (tệp hỏng, không hoàn chỉnh hoặc có cấu trúc bất thường)."),
    "bomb": _("Tệp chứa dữ liệu nén bất thường (nghi là “bom giải nén”); tệp đã bị cách ly."),
    "timeout": _("Xử lý tệp quá thời gian cho phép; tệp đã bị cách ly."),
    "limits": _("Xử lý tệp vượt giới hạn tài nguyên (bộ nhớ, CPU); tệp đã bị cách ly."),
    "conversion_failed": _("Không chuyển được văn bản sang PDF (tệp hỏng hoặc không được hỗ trợ)."),
    "conversion_unavailable": _(
        "Máy chủ chưa cài LibreOffice nên không nhận được DOCX/DOC/ODT; hãy tải lên bản PDF."
    ),
    "too_large": _("Tệp PDF sau khi chuyển đổi vượt dung lượng cho phép."),
    "internal": _("Lỗi hệ thống khi xử lý tệp; tệp đã được giữ lại để kiểm tra."),
}


# Active content removed from an uploaded PDF (cabinet.papers.lib.pdf_active's codes), as the
# uploader is told.
ACTIVE_CONTENT = {
    "javascript": _("mã JavaScript"),
    "automatic_actions": _("hành động tự động khi mở hoặc thao tác trên tệp"),
    "other_actions": _("liên kết mở chương trình, tệp bên ngoài hoặc gửi dữ liệu đi"),
    "embedded_files": _("tệp đính kèm nhúng trong PDF"),
    "multimedia": _("nội dung đa phương tiện (video, âm thanh, 3D)"),
    "xfa": _("biểu mẫu XFA"),
}


def describe_active_content(found: dict[str, int]) -> list[str]:
    """What was removed, in the reader's language, in a fixed order (papers and directives)."""
    return [str(label) for code, label in ACTIVE_CONTENT.items() if found.get(code)]


PROCESSING_STATUSES = frozenset(
    {VersionStatus.QUEUED, VersionStatus.CONVERTING, VersionStatus.EXTRACTING}
)


class PaperVersion(models.Model):
    """One uploaded file of a paper. Its content never changes after upload; a replacement is a new row.

    The upload request stores the file and returns; a background task (process_paper_version) converts it to
    PDF if needed and extracts its pages in a sandboxed process, moving the version from QUEUED to
    READY or FAILED. Those pipeline fields are written with queryset updates by the task; save() refuses
    to rewrite an existing row so that nothing else can change a version.
    """

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    # The PDF that is served. For a PDF upload it is the upload itself; for DOCX/DOC/ODT it is written
    # by the conversion step, so it is empty until then.
    file = models.FileField(
        storage=private_paper_storage, upload_to=paper_version_path, blank=True, max_length=300
    )
    source_file = models.FileField(
        storage=private_paper_storage, upload_to=paper_source_path, blank=True, max_length=300
    )
    source_kind = models.CharField(
        _("định dạng gốc"), max_length=8, choices=SourceKind.choices, default=SourceKind.PDF
    )
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    # sha256 and size describe the uploaded file (duplicate uploads are detected with them);
    # pdf_sha256 and pdf_size describe the served PDF (the ETag is built from pdf_sha256).
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_size = models.PositiveBigIntegerField(null=True, blank=True)
    page_count = models.PositiveIntegerField(_("số trang"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(_("lý do từ chối"), max_length=500, blank=True)
    note = models.CharField(_("ghi chú thay đổi"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    # What the sandboxed reader removed from the PDF before it was stored for reading (kind →
    # count, keys of ACTIVE_CONTENT): the served file is the cleaned copy, the upload is kept in
    # MEDIA_ROOT/quarantine.
    active_content_removed = models.JSONField(
        _("nội dung chủ động đã gỡ bỏ"), default=dict, blank=True
    )

    class Meta:
        ordering = ["paper", "-number"]
        get_latest_by = "number"
        verbose_name = _("phiên bản tài liệu")
        verbose_name_plural = _("phiên bản tài liệu")
        constraints = [
            models.UniqueConstraint(fields=["paper", "number"], name="paper_version_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="paper_version_from_1"),
            models.CheckConstraint(condition=models.Q(size__gt=0), name="paper_version_not_empty"),
            models.CheckConstraint(
                condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"), name="paper_version_sha256"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in VersionStatus]),
                name="paper_version_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="paper_version_progress_percent"
            ),
            # A version is only READY with its PDF, page count and ETag in place.
            models.CheckConstraint(
                condition=~models.Q(status="ready")
                | (
                    ~models.Q(file="")
                    & models.Q(page_count__gte=1)
                    & models.Q(pdf_sha256__regex=r"^[0-9a-f]{64}$")
                ),
                name="paper_version_ready_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paper} – v{self.number}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ValueError("A paper version is immutable; add a new version instead.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_ready(self) -> bool:
        return self.status == VersionStatus.READY

    @property
    def is_processing(self) -> bool:
        return self.status in PROCESSING_STATUSES

    @property
    def failure_message(self) -> str:
        return str(VERSION_FAILURES.get(self.error, VERSION_FAILURES["internal"]))

    @property
    def active_content_labels(self) -> list[str]:
        return describe_active_content(self.active_content_removed)

    @property
    def etag(self) -> str:
        """A strong validator: the served bytes are identified by their hash."""
        return f'"{self.pdf_sha256}"'


class PageText(models.Model):
    """The text of one page of a version, as extracted in the sandbox: for search, comparison and
    re-anchoring notes. Written once by the extraction task."""

    version = models.ForeignKey(PaperVersion, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField()
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="page_text_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="page_text_from_1"),
        ]

    def __str__(self) -> str:
        return f"{self.version} p.{self.number}"
