"""Generated documents' PDFs are converted by the task worker, once per content, never in the
request (cabinet/records/generated.py): the first download answers 202 with a page that follows the
conversion, concurrent ones enqueue nothing more, and once the worker has made it the PDF is
served from the kept file. Conversions are counted by the real LibreOffice processes started,
through a wrapper that notes each start and runs it; the worker is a real `manage.py worker`."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from cabinet.models import GeneratedPdfJob, Meeting, User, WorkerHeartbeat
from cabinet.papers.lib.convert import libreoffice_binary
from tests.factories import PASSWORD, add_item, make_meeting, make_user
from tests.worker_process import start_worker, stop_worker, wait_for_start

REAL_SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(REAL_SOFFICE is None, reason="LibreOffice is not installed")

PENDING_VI = "Đang tạo bản PDF"
DOWN_VI = "Máy xử lý tài liệu không hoạt động"
TASK_PATH = "cabinet.records.generated.convert_generated_pdf"


class Conversions:
    """LIBREOFFICE_BIN pointed at a script that writes a line per start, then execs soffice."""

    def __init__(self, folder: Path) -> None:
        self.log = folder / "soffice-starts.log"
        self.log.touch()
        self.script = folder / "soffice"
        self.script.write_text(
            f'#!/bin/sh\necho "$$" >> "{self.log}"\nexec "{REAL_SOFFICE}" "$@"\n'
        )
        self.script.chmod(0o755)

    @property
    def count(self) -> int:
        return len(self.log.read_text().splitlines())


@pytest.fixture
def conversions(settings: Settings, tmp_path: Path) -> Conversions:
    counter = Conversions(tmp_path)
    settings.LIBREOFFICE_BIN = str(counter.script)
    assert libreoffice_binary() == str(counter.script)
    return counter


@pytest.fixture
def database_task_backend(settings: Settings) -> None:
    """Tasks queued for `manage.py worker`, as in production (the suite runs them at once)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _meeting() -> tuple[Meeting, User]:
    secretary = make_user(organizer=True)
    meeting = make_meeting(secretary=secretary, title="Phiên họp chuyên đề cải cách hành chính")
    add_item(meeting, "Báo cáo cải cách hành chính quý I")
    return meeting, secretary


def _poll_url(page: str) -> str:
    """The address the pending page's fragment polls (htmx), as the browser reads it."""
    match = re.search(r'hx-get="([^"]+)"', page)
    assert match, page
    return match.group(1).replace("&amp;", "&")


def _converting_tasks() -> int:
    return DBTaskResult.objects.filter(task_path=TASK_PATH).count()


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_first_requests_enqueue_one_conversion_that_the_worker_makes(
    live_server: LiveServer,
    conversions: Conversions,
    database_task_backend: None,
    tmp_path: Path,
    settings: Settings,
) -> None:
    # Thirteen downloads within the minute: not what this test is about (test_rate_limits is).
    settings.RATE_LIMIT_EXPORTS = "0"
    meeting, secretary = _meeting()
    client = Client()
    assert client.login(username=secretary.username, password=PASSWORD)
    name = django_settings.SESSION_COOKIE_NAME
    cookie = f"{name}={client.cookies[name].value}"
    url = live_server.url + reverse("cabinet:invitation_pdf", args=[meeting.pk])
    start = threading.Barrier(10)

    def get(address: str) -> tuple[int, str, bytes]:
        request = urllib.request.Request(address, headers={"Cookie": cookie})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
                return response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read()

    def first_download(_n: int) -> tuple[int, str, bytes]:
        start.wait()
        return get(url)

    # Ten real concurrent HTTP requests against the threaded live server, no worker running.
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(first_download, range(10)))

    assert [status for status, _type, _body in results] == [202] * 10
    assert all(kind.startswith("text/html") for _status, kind, _body in results)
    page = results[0][2].decode()
    assert PENDING_VI in page
    assert conversions.count == 0  # no request started LibreOffice
    assert _converting_tasks() == 1  # and one conversion waits for the worker
    assert GeneratedPdfJob.objects.count() == 1

    log = tmp_path / "worker.log"
    worker = start_worker(log, LIBREOFFICE_BIN=str(conversions.script))
    try:
        wait_for_start(worker, log)
        poll = live_server.url + _poll_url(page)
        deadline = time.monotonic() + 180
        while True:
            status, _type, body = get(poll)
            fragment = body.decode()
            assert status == 200
            if "Tải bản PDF" in fragment:
                break
            assert "Chưa tạo được" not in fragment, fragment
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
    finally:
        stop_worker(worker)

    assert conversions.count == 1
    downloads = [get(url) for _ in range(3)]
    assert [status for status, _type, _body in downloads] == [200] * 3
    assert {kind for _status, kind, _body in downloads} == {"application/pdf"}
    assert len({body for _status, _type, body in downloads}) == 1
    assert downloads[0][2].startswith(b"%PDF-")
    assert conversions.count == 1  # served from the kept file
    assert _converting_tasks() == 1  # nothing enqueued again
    assert GeneratedPdfJob.objects.count() == 0  # done: no longer in flight


@pytest.mark.django_db
def test_the_pending_page_follows_the_conversion_and_says_when_no_worker_runs(
    conversions: Conversions, database_task_backend: None
) -> None:
    meeting, secretary = _meeting()
    client = Client()
    assert client.login(username=secretary.username, password=PASSWORD)
    url = reverse("cabinet:invitation_pdf", args=[meeting.pk])

    response = client.get(url)
    assert response.status_code == 202
    page = response.content.decode()
    assert PENDING_VI in page
    assert reverse("cabinet:invitation_docx", args=[meeting.pk]) in page  # the DOCX meanwhile
    assert 'hx-trigger="every' in page
    # The Content-Security-Policy allows no inline script or style: only htmx attributes.
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page
    assert "<style" not in page
    assert DOWN_VI in page  # no worker has beaten: say so rather than wait for ever
    assert client.get(url).status_code == 202  # asked again while in flight
    assert _converting_tasks() == 1
    assert conversions.count == 0

    poll = _poll_url(page)
    assert DOWN_VI in client.get(poll).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert "Making the PDF" in english
    assert "The document processor is not running." in english
    client.cookies["django_language"] = "vi"
    seen = timezone.now() - dt.timedelta(seconds=2)
    WorkerHeartbeat.objects.create(
        worker_id="w1", host="worker-1", pid=4242, started_at=seen, beat_at=seen
    )
    fragment = client.get(poll).content.decode()
    assert PENDING_VI in fragment
    assert DOWN_VI not in fragment
    assert "hx-get" in fragment  # still polling

    # The worker's turn: the task as it was enqueued, run the way the worker runs it.
    task_result = DBTaskResult.objects.get(task_path=TASK_PATH)
    task_result.task.call(*task_result.args_kwargs["args"], **task_result.args_kwargs["kwargs"])
    assert conversions.count == 1

    fragment = client.get(poll).content.decode()
    assert "Tải bản PDF" in fragment
    assert f'href="{url}"' in fragment
    assert "hx-get" not in fragment  # done: no more polling
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF-")
    assert _converting_tasks() == 1
    assert conversions.count == 1


@pytest.mark.django_db
def test_a_failed_conversion_is_explained_and_the_next_download_tries_again(
    settings: Settings, database_task_backend: None
) -> None:
    settings.LIBREOFFICE_BIN = "/nonexistent/soffice"
    meeting, secretary = _meeting()
    client = Client()
    assert client.login(username=secretary.username, password=PASSWORD)
    url = reverse("cabinet:minutes_pdf", args=[meeting.pk])
    meeting.status = "ended"
    meeting.save()
    page = client.get(url).content.decode()
    task_result = DBTaskResult.objects.get(task_path=TASK_PATH)
    task_result.task.call(*task_result.args_kwargs["args"], **task_result.args_kwargs["kwargs"])

    fragment = client.get(_poll_url(page)).content.decode()
    assert "Chưa tạo được bản PDF" in fragment
    assert "LibreOffice" in fragment
    assert reverse("cabinet:minutes_docx", args=[meeting.pk]) in fragment
    assert "hx-get" not in fragment
    client.cookies["django_language"] = "en"
    assert (
        "LibreOffice is not installed on the server" in client.get(_poll_url(page)).content.decode()
    )
    client.cookies["django_language"] = "vi"

    again = client.get(url)  # the download asked again: a new try, not the old failure
    assert again.status_code == 202
    assert _converting_tasks() == 2


@pytest.mark.django_db
def test_a_poll_needs_the_documents_own_access(database_task_backend: None) -> None:
    meeting, secretary = _meeting()
    client = Client()
    assert client.login(username=secretary.username, password=PASSWORD)
    page = client.get(reverse("cabinet:invitation_pdf", args=[meeting.pk])).content.decode()
    poll = _poll_url(page)
    outsider = Client()
    assert outsider.login(username=make_user().username, password=PASSWORD)
    assert outsider.get(poll).status_code == 404
    base = reverse("cabinet:invitation_pdf_status", args=[meeting.pk])
    assert client.get(f"{base}?key=../../etc").status_code == 404


@pytest.mark.django_db
def test_the_pdf_is_made_again_only_when_what_it_shows_changes(conversions: Conversions) -> None:
    """With tasks run at once (the suite's backend) the download gets its PDF in one go."""
    meeting, secretary = _meeting()
    client = Client()
    assert client.login(username=secretary.username, password=PASSWORD)
    url = reverse("cabinet:invitation_pdf", args=[meeting.pk])

    first = client.get(url)
    again = client.get(url)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert conversions.count == 1

    meeting.location = "Phòng họp số 2, trụ sở UBND Thành phố"
    meeting.save()
    changed = client.get(url)
    assert changed.status_code == 200
    assert changed.content != first.content
    assert conversions.count == 2
    # Kept under MEDIA_ROOT, private like the papers, one file per content.
    kept = sorted((Path(django_settings.MEDIA_ROOT) / "generated" / "invitation").glob("*.pdf"))
    assert len(kept) == 2


@pytest.mark.django_db
def test_a_job_queued_before_the_tasks_moved_still_runs_after_the_upgrade(
    conversions: Conversions, database_task_backend: None
) -> None:
    """A city upgrades with conversions still queued: those rows name the task by its old dotted
    path (cabinet.tasks.convert_generated_pdf); the worker still finds and runs it."""
    meeting, secretary = _meeting()
    client = Client()
    assert client.login(username=secretary.username, password=PASSWORD)
    url = reverse("cabinet:invitation_pdf", args=[meeting.pk])
    assert client.get(url).status_code == 202
    DBTaskResult.objects.filter(task_path=TASK_PATH).update(
        task_path="cabinet.tasks.convert_generated_pdf"  # as an earlier version stored it
    )
    queued = DBTaskResult.objects.get(task_path="cabinet.tasks.convert_generated_pdf")
    queued.task.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])

    assert conversions.count == 1
    download = client.get(url)
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF-")
