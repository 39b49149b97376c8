"""The directive library (thư viện văn bản chỉ đạo), its search chunks and the assistant's history.

A Directive is one document (nghị định, chỉ thị, kế hoạch, thông báo kết luận ...), stored as a
PDF (office files are converted, plain text is kept as text) with its page texts. Indexing cuts its
text into Chunks, each with its embedding; meeting papers get Chunks too (paper_version set), so
one index serves both. The database is the record: every process builds its in-memory index from
the Chunk rows and rebuilds it when IndexState.generation moves (assistant/search/index.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabinet.papers.models.documents import PrivatePaperStorage, describe_active_content


class PrivateLibraryStorage(PrivatePaperStorage):
    """Files under MEDIA_ROOT/library, never served by a public URL."""

    folder = "library"


library_storage = PrivateLibraryStorage()


class DocType(models.TextChoices):
    LUAT = "luat", _("Luật")
    NGHI_DINH = "nghi_dinh", _("Nghị định")
    NGHI_QUYET = "nghi_quyet", _("Nghị quyết")
    THONG_TU = "thong_tu", _("Thông tư")
    QUYET_DINH = "quyet_dinh", _("Quyết định")
    CHI_THI = "chi_thi", _("Chỉ thị")
    KE_HOACH = "ke_hoach", _("Kế hoạch")
    THONG_BAO = "thong_bao", _("Thông báo")
    CONG_VAN = "cong_van", _("Công văn")
    TO_TRINH = "to_trinh", _("Tờ trình")
    BAO_CAO = "bao_cao", _("Báo cáo")
    KHAC = "khac", _("Văn bản khác")


class DirectiveStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ xử lý")
    CONVERTING = "converting", _("Đang chuyển sang PDF")
    EXTRACTING = "extracting", _("Đang đọc nội dung")
    INDEXING = "indexing", _("Đang lập chỉ mục")
    READY = "ready", _("Sẵn sàng")
    FAILED = "failed", _("Bị từ chối")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Mọi cán bộ")
    RESTRICTED = "restricted", _("Chỉ đơn vị/người được chọn")


class SourceFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "DOCX"
    DOC = "doc", "DOC"
    ODT = "odt", "ODT"
    TXT = "txt", _("Văn bản thuần")


def directive_path(instance: Directive, filename: str) -> str:
    return f"{instance.sha256[:2]}/{instance.sha256}.pdf"


def directive_source_path(instance: Directive, filename: str) -> str:
    return f"{instance.sha256[:2]}/{instance.sha256}-source.{instance.source_format}"


class Directive(models.Model):
    number = models.CharField(_("số ký hiệu"), max_length=80, blank=True)
    title = models.CharField(_("trích yếu"), max_length=500)
    doc_type = models.CharField(
        _("loại văn bản"), max_length=16, choices=DocType.choices, default=DocType.KHAC
    )
    issuer = models.CharField(_("cơ quan ban hành"), max_length=200, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    visibility = models.CharField(
        _("phạm vi truy cập"),
        max_length=12,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
    )
    allowed_units = models.ManyToManyField(
        "cabinet.Unit", verbose_name=_("đơn vị được xem"), blank=True, related_name="+"
    )
    allowed_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("người được xem"), blank=True, related_name="+"
    )
    # The PDF that the viewer shows (empty for plain text) and the file as uploaded.
    file = models.FileField(
        storage=library_storage, upload_to=directive_path, blank=True, max_length=300
    )
    source_file = models.FileField(
        storage=library_storage, upload_to=directive_source_path, blank=True, max_length=300
    )
    source_format = models.CharField(max_length=8, choices=SourceFormat.choices)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    page_count = models.PositiveIntegerField(_("số trang"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=DirectiveStatus.choices,
        default=DirectiveStatus.QUEUED,
    )
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(_("lý do từ chối"), max_length=500, blank=True)
    # Which metadata fields the librarian typed: re-reading the header never overwrites those.
    edited_fields = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    indexed_at = models.DateTimeField(null=True, blank=True)
    chunk_count = models.PositiveIntegerField(default=0)
    # What was removed from the PDF before it was stored for reading (kind → count, the codes of
    # cabinet.models.ACTIVE_CONTENT); the upload is kept in MEDIA_ROOT/quarantine.
    active_content_removed = models.JSONField(
        _("nội dung chủ động đã gỡ bỏ"), default=dict, blank=True
    )

    class Meta:
        ordering = ["-issued_on", "-created_at"]
        verbose_name = _("văn bản chỉ đạo")
        verbose_name_plural = _("văn bản chỉ đạo")
        permissions = [("manage_library", _("Có thể quản lý thư viện văn bản"))]
        constraints = [
            models.UniqueConstraint(fields=["sha256"], name="directive_sha256_unique"),
            models.CheckConstraint(
                condition=models.Q(doc_type__in=[t.value for t in DocType]),
                name="directive_doc_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in DirectiveStatus]),
                name="directive_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(visibility__in=[v.value for v in Visibility]),
                name="directive_visibility_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="directive_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

    @property
    def label(self) -> str:
        """How a citation names the document: "Nghị định số 30/2020/NĐ-CP" or its title."""
        if self.number:
            return f"{self.get_doc_type_display()} số {self.number}"
        return self.title

    @property
    def is_processing(self) -> bool:
        return self.status not in (DirectiveStatus.READY, DirectiveStatus.FAILED)

    @property
    def active_content_labels(self) -> list[str]:
        return describe_active_content(self.active_content_removed)


class DirectivePage(models.Model):
    """The text of one page as extracted (NFC): what chunks' offsets and quotes refer to."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField()
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["directive", "number"]
        constraints = [
            models.UniqueConstraint(fields=["directive", "number"], name="directive_page_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.directive_id} p.{self.number}"


class Chunk(models.Model):
    """A passage that retrieval returns: from a directive, or from a meeting paper's version.

    ``text`` is exactly the document's text between ``start`` and ``end`` (pages joined by a form
    feed), so a quotation can always be checked against it.
    """

    directive = models.ForeignKey(
        Directive, null=True, blank=True, on_delete=models.CASCADE, related_name="chunks"
    )
    paper_version = models.ForeignKey(
        "cabinet.PaperVersion", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Denormalised for the access filter of meeting papers (which papers a participant may read).
    paper = models.ForeignKey(
        "cabinet.Paper", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    meeting = models.ForeignKey(
        "cabinet.Meeting", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    ordinal = models.PositiveIntegerField()
    heading = models.CharField(max_length=300, blank=True)
    article = models.CharField(max_length=20, blank=True)
    clause = models.CharField(max_length=10, blank=True)
    point = models.CharField(max_length=4, blank=True)
    context = models.CharField(max_length=300, blank=True)
    # The document's name (title and number), embedded with every chunk: a question that names
    # the document ("Chỉ thị về chuyển đổi số ...") then favours none of its chunks over another.
    document = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    page_start = models.PositiveIntegerField()
    page_end = models.PositiveIntegerField()
    # float32 little-endian, L2-normalised: the embedding of context + text.
    vector = models.BinaryField()

    class Meta:
        ordering = ["directive", "paper_version", "ordinal"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(directive__isnull=False, paper_version__isnull=True)
                    | models.Q(directive__isnull=True, paper_version__isnull=False)
                ),
                name="chunk_has_one_source",
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="chunk_span"
            ),
            models.CheckConstraint(
                condition=models.Q(page_end__gte=models.F("page_start")), name="chunk_pages"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.heading or self.ordinal} ({self.page_start})"

    @property
    def indexed_text(self) -> str:
        """What the embedding saw: document name, heading context, text (BM25 leaves out the
        name, see assistant/search/index.py)."""
        return "\n".join(part for part in (self.document, self.context, self.text) if part)


class IndexState(models.Model):
    """One row: its token changes in the same transaction as any change to the Chunks, so each
    process knows when its in-memory index is stale (a random token, not a counter, so that two
    databases, or a database emptied and refilled, never look alike)."""

    token = models.CharField(max_length=32, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.token


class Question(models.Model):
    """A question a user asked and the answer given (the per-user history)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assistant_questions"
    )
    meeting = models.ForeignKey(
        "cabinet.Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(_("câu hỏi"), max_length=1000)
    answer = models.JSONField(default=dict)
    found = models.BooleanField(default=False)
    asked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-asked_at"]

    def __str__(self) -> str:
        return self.text
