"""Papers' bytes: the file the viewer reads (Range, ETag) and the watermarked copy to download.

Both URLs name the version, so the bytes behind a URL never change: that is what makes a strong
ETag and a long private cache lifetime safe. Both check permission first (paper_version_for: 404
for anyone who may not read the paper, and for versions that are not ready).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import zoneinfo
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotModified,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from cabinet.core.event_types import Event
from cabinet.core.events import record_access
from cabinet.core.http import current_user
from cabinet.meetings.selectors import paper_version_for
from cabinet.models import Meeting, PaperVersion, User
from cabinet.papers.lib.delivery import (
    ByteRange,
    content_disposition,
    inline_pdf_response,
    none_match,
    stream_file,
)
from cabinet.papers.lib.watermark import stamp_pdf

logger = logging.getLogger(__name__)

# Private: only this user's browser may keep it, for at most a day (a meeting) and never longer
# than OFFLINE_MAX_HOURS (see _common_headers); the viewer page (which is not cached) decides which
# version to ask for, so a cached copy is never stale.
PDF = "application/pdf"


def _file_name(version: PaperVersion) -> str:
    return f"{version.paper.title} (v{version.number}).pdf"


def _common_headers(response: HttpResponseBase, version: PaperVersion) -> HttpResponseBase:
    response["ETag"] = version.etag
    # Never longer than a tablet may keep its offline copy (sw.js): the browser's own cache is
    # another copy, and it must not outlive that one.
    max_age = min(86400, settings.OFFLINE_MAX_SECONDS)
    response["Cache-Control"] = f"private, max-age={max_age}"
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _open_paper(version: PaperVersion) -> int:
    try:
        return os.open(version.file.path, os.O_RDONLY)
    except FileNotFoundError:
        # A ready version without its file is a broken deployment (restored database, lost
        # volume); the reader can do nothing about it, so it looks like a missing paper.
        logger.error("paper version %s: file %s is missing", version.pk, version.file.name)
        raise Http404 from None


@login_required
@require_safe
def paper_file(request: HttpRequest, paper_id: int, number: int) -> HttpResponseBase:
    """The PDF for the in-browser viewer. Not logged: pdf.js makes many range requests per view;
    the viewer page records the view once."""
    version, _participant = paper_version_for(request.user, paper_id, number)
    if none_match(request.headers.get("If-None-Match"), version.etag):
        return _common_headers(HttpResponseNotModified(), version)
    if settings.PAPER_X_ACCEL_REDIRECT:
        return _accel_redirect(version)

    response = inline_pdf_response(
        request, _open_paper(version), etag=version.etag, filename=_file_name(version)
    )
    return _common_headers(response, version)


def _accel_redirect(version: PaperVersion) -> HttpResponse:
    """Let nginx send the bytes (and answer Range) from its internal location for the papers
    storage. nginx keeps Content-Type, Content-Disposition and Cache-Control from this response;
    it computes its own ETag for the file unless the location says `etag off`."""
    name = version.file.name
    assert name, "a version is stored with its file"
    response = HttpResponse(b"", content_type=PDF)
    response["X-Accel-Redirect"] = settings.PAPER_X_ACCEL_REDIRECT + quote(name)
    response["Content-Disposition"] = content_disposition("inline", _file_name(version))
    _common_headers(response, version)
    return response


def watermark_lines(user: User, meeting: Meeting, when: dt.datetime) -> list[str]:
    """Who downloaded it, from which unit, when (local time), of which meeting."""
    local = timezone.localtime(when, zoneinfo.ZoneInfo(settings.TIME_ZONE))
    lines = [user.get_full_name()]
    if user.unit_id is not None and user.unit is not None:
        lines.append(user.unit.name)
    lines += [
        local.strftime("%d/%m/%Y %H:%M"),
        meeting.title,
        _("Tài liệu họp – không phát tán"),
    ]
    return lines


@login_required
@require_GET  # each GET stamps a copy and is recorded; a HEAD must not count as a download
def paper_download(request: HttpRequest, paper_id: int, number: int) -> HttpResponseBase:
    """A copy to keep, stamped on every page with the reader's name, unit, the time and the
    meeting, so that a copy found elsewhere names its source. Never cached."""
    version, _participant = paper_version_for(request.user, paper_id, number)
    user = current_user(request)
    source = Path(version.file.path)
    if not source.exists():
        _open_paper(version)  # logs and raises 404
    lines = watermark_lines(user, version.paper.meeting, timezone.now())

    # The stamped copy goes to a temporary file that is unlinked as soon as it is open again, so
    # nothing is left behind however the response ends; only one chunk at a time is in memory.
    with tempfile.TemporaryDirectory(prefix="paper-download-") as workdir:
        target = Path(workdir) / "stamped.pdf"
        stamp_pdf(source, target, lines)
        fd = os.open(target, os.O_RDONLY)
    size = os.fstat(fd).st_size
    record_access(
        meeting_id=version.paper.meeting_id,
        type=Event.PAPER_DOWNLOADED,
        payload={"paper": version.paper_id, "version": version.number},
        actor=user,
    )
    response = stream_file(request, fd, ByteRange(0, size - 1), status=200)
    response["Content-Disposition"] = content_disposition("attachment", _file_name(version))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
