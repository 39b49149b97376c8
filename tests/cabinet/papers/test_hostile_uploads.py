"""Hostile uploads cannot hurt the server: refused in the request when the content gives them away,
otherwise parsed in a limited child process, quarantined on failure and reported to the uploader,
while the next upload is processed normally."""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfWriter
from pytest_django.fixtures import Settings

from cabinet.core.errors import ServiceError
from cabinet.models import MeetingEvent, PaperVersion, VersionStatus
from cabinet.papers.lib.sandbox import Limits, run_limited
from tests.factories import attach, make_meeting, pdf_bytes, pdf_upload, secretary_of
from tests.factories.hostile import cyclic_page_tree, decompression_bomb, deep_page_tree

pytestmark = pytest.mark.django_db


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="bi-mat", owner_password="bi-mat")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def served_files(media_root: Path) -> list[Path]:
    return [p for p in (media_root / "papers").rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "rỗng"),
        (b"PK\x03\x04 a broken zip" * 10, "Tệp nén bị hỏng"),
        (b"<html><body>%PDF-1.7 disguised</body></html>", "không được hỗ trợ"),
        (b"MZ\x90\x00 an executable", "không được hỗ trợ"),
    ],
    ids=["zero-bytes", "broken-zip", "html-polyglot", "not-a-document"],
)
def test_files_that_are_not_documents_are_refused_in_the_request(
    content: bytes, message: str, private_media: Path
) -> None:
    meeting = make_meeting()
    with pytest.raises(ServiceError, match=message):
        attach(meeting, upload=pdf_upload(content=content, name="bao-cao.pdf"))
    assert meeting.papers.count() == 0
    assert not private_media.exists() or served_files(private_media) == []


@pytest.mark.parametrize(
    ("make", "reason", "message"),
    [
        (lambda: decompression_bomb(), "bomb", "bom giải nén"),
        (cyclic_page_tree, "unreadable", "cấu trúc bất thường"),
        (lambda: deep_page_tree(5000), "unreadable", "cấu trúc bất thường"),
        (lambda: pdf_bytes(3)[:300], "unreadable", "không hoàn chỉnh"),
        (lambda: b"%PDF-1.7\n" + b"\x00garbage" * 100, "unreadable", "Không đọc được"),
        (encrypted_pdf, "encrypted", "mã hóa"),
    ],
    ids=["decompression-bomb", "cyclic-page-tree", "deep-page-tree", "truncated", "garbage",
         "encrypted"],
)  # fmt: skip
def test_hostile_pdfs_are_quarantined_and_reported(
    make: Callable[[], bytes], reason: str, message: str, private_media: Path
) -> None:
    meeting = make_meeting()
    paper = attach(meeting, upload=pdf_upload(content=make(), name="tai-lieu.pdf"))
    version = paper.versions.get()
    assert version.status == VersionStatus.FAILED
    assert version.error == reason
    assert message in version.failure_message
    # Out of the served tree, kept for inspection; the paper has nothing anyone can open.
    assert served_files(private_media) == []
    assert len(list((private_media / "quarantine").iterdir())) == 1
    assert paper.current_version is None
    event = MeetingEvent.objects.get(meeting=meeting, type="paper.rejected")
    assert (event.seq, event.payload["reason"]) == (None, reason)
    # The next upload is processed normally.
    good = attach(meeting, pages=2)
    assert good.versions.get().status == VersionStatus.READY


def test_the_uploader_sees_why_a_file_was_refused() -> None:
    meeting = make_meeting()
    paper = attach(meeting, upload=pdf_upload(content=encrypted_pdf()))
    client = Client()
    client.force_login(secretary_of(meeting))
    page = client.get(reverse("cabinet:meeting", args=[meeting.pk])).content.decode()
    assert "bị từ chối" in page
    assert "mã hóa" in page
    # The paper can be fixed by uploading a good version; the refused one stays in the history.
    response = client.post(
        reverse("cabinet:paper_new_version", args=[meeting.pk, paper.pk]),
        {"file": pdf_upload(2), "note": "Bản không mã hóa"},
    )
    assert response.status_code == 302


def test_page_limit_is_checked_before_the_text_is_read(settings: Settings) -> None:
    settings.PAPER_MAX_PAGES = 3
    meeting = make_meeting()
    version = attach(meeting, pages=4).versions.get()
    assert (version.status, version.error, version.page_count) == ("failed", "too_many_pages", 4)
    assert not version.pages.exists()


def test_a_parse_that_overruns_its_time_is_killed_and_quarantined(
    settings: Settings, private_media: Path
) -> None:
    settings.PAPER_PARSE_TIMEOUT = 0
    meeting = make_meeting()
    version = attach(meeting, pages=1).versions.get()
    assert (version.status, version.error) == ("failed", "timeout")
    assert served_files(private_media) == []


def test_a_crash_inside_processing_is_contained(monkeypatch: pytest.MonkeyPatch) -> None:
    from cabinet.papers.services import processing as paper_processing

    def crash(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(paper_processing, "run_limited", crash)
    meeting = make_meeting()
    version = attach(meeting, pages=1).versions.get()
    assert (version.status, version.error) == ("failed", "internal")
    assert PaperVersion.objects.count() == 1


# --- the sandbox itself -----------------------------------------------------------------------


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose (killed, waiting for its parent to reap it).
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


def test_the_whole_process_group_is_killed_on_timeout() -> None:
    """A child that forks a grandchild and hangs: both are gone when the deadline passes."""
    script = "import os,sys,time\npid=os.fork()\nprint(os.getpid() if pid else 0, flush=True)\ntime.sleep(60)"
    started = time.monotonic()
    outcome = run_limited(
        [sys.executable, "-c", script], limits=Limits(wall_seconds=1, cpu_seconds=10, memory_mb=512)
    )
    assert outcome.timed_out
    assert not outcome.ok
    assert time.monotonic() - started < 10
    pids = [int(line) for line in outcome.lines if line.strip().isdigit() and int(line)]
    assert pids, outcome.lines
    time.sleep(0.2)
    assert not any(alive(pid) for pid in pids)


def test_memory_and_cpu_limits_stop_a_runaway_child() -> None:
    hog = run_limited(
        [sys.executable, "-c", "x = bytearray(2 * 1024**3)"],
        limits=Limits(wall_seconds=20, cpu_seconds=10, memory_mb=256),
    )
    assert hog.returncode != 0
    assert "MemoryError" in hog.stderr_tail
    spinner = run_limited(
        [sys.executable, "-c", "while True: pass"],
        limits=Limits(wall_seconds=30, cpu_seconds=1, memory_mb=256),
    )
    assert spinner.returncode is not None
    assert spinner.returncode < 0  # SIGXCPU/SIGKILL
    assert not spinner.timed_out  # the CPU limit fired well before the wall clock


def test_a_child_cannot_write_files_or_flood_the_parent(tmp_path: Path) -> None:
    target = tmp_path / "dropped"
    writer = run_limited(
        [sys.executable, "-c", f"with open({str(target)!r}, 'wb') as f: f.write(b'1' * 4096)"],
        limits=Limits(wall_seconds=10, cpu_seconds=5, memory_mb=256),
    )
    assert writer.returncode != 0
    assert "File too large" in writer.stderr_tail
    assert target.stat().st_size == 0
    flood = run_limited(
        [sys.executable, "-c", "import sys\nwhile True: sys.stdout.write('x' * 65536)"],
        limits=Limits(wall_seconds=20, cpu_seconds=10, memory_mb=256, max_output_bytes=1 << 20),
    )
    assert flood.output_overflow
    assert not flood.ok
