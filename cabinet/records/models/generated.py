"""A generated document's PDF being made by the task worker (cabinet/records/generated.py).

The row is the "one conversion in flight per content" rule: its (kind, key) is unique, so of any
number of requests for a PDF that is not yet kept, whether in one process or several, only the
one that creates the row enqueues the conversion; the others find the row and wait. The row holds
the DOCX to convert (the worker may run on another machine, without the web's MEDIA_ROOT write
access to stage it) and is removed once the PDF is kept; a failed conversion stays, with why.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class GeneratedPdfJob(models.Model):
    kind = models.CharField(max_length=32)  # minutes, invitation, notice: the folder's name
    key = models.CharField(max_length=64)  # cabinet.records.generated.content_key of the DOCX
    docx = models.BinaryField()
    enqueued_at = models.DateTimeField()
    # Set by the worker when it starts converting: a job started longer ago than any conversion
    # may take (PAPER_CONVERT_TIMEOUT) was lost with its worker and is enqueued again.
    started_at = models.DateTimeField(null=True, blank=True)
    # Why the conversion failed (Vietnamese, for the reader); "" while in flight.
    failure = models.TextField(blank=True)

    class Meta:
        verbose_name = _("bản PDF đang tạo")
        verbose_name_plural = _("bản PDF đang tạo")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="generated_pdf_job_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key[:16]}"
