"""Generated documents' PDFs are converted once per content (cabinet/generated.py): counted by
the real LibreOffice processes started, through a wrapper that notes each start and runs it."""

from __future__ import annotations

import shutil
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from cabinet.convert import libreoffice_binary
from tests.factories import PASSWORD, add_item, make_meeting, make_user

REAL_SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(REAL_SOFFICE is None, reason="LibreOffice is not installed")


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
def conversions(settings, tmp_path) -> Conversions:
    counter = Conversions(tmp_path)
    settings.LIBREOFFICE_BIN = str(counter.script)
    assert libreoffice_binary() == str(counter.script)
    return counter


def _meeting() -> tuple[object, object]:
    secretary = make_user(organizer=True)
    meeting = make_meeting(secretary=secretary, title="Phiên họp chuyên đề cải cách hành chính")
    add_item(meeting, "Báo cáo cải cách hành chính quý I")
    return meeting, secretary


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_first_requests_for_one_pdf_run_one_conversion(live_server, conversions):
    meeting, secretary = _meeting()
    client = Client()
    assert client.login(username=secretary.username, password=PASSWORD)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    url = live_server.url + reverse("cabinet:invitation_pdf", args=[meeting.pk])
    start = threading.Barrier(10)

    def download(_n: int) -> tuple[int, bytes]:
        request = urllib.request.Request(  # noqa: S310 (the live server's http URL)
            url, headers={"Cookie": f"{django_settings.SESSION_COOKIE_NAME}={cookie}"}
        )
        start.wait()
        with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
            return response.status, response.read()

    # Ten real concurrent HTTP requests against the threaded live server.
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(download, range(10)))

    assert [status for status, _body in results] == [200] * 10
    assert conversions.count == 1
    bodies = {body for _status, body in results}
    assert len(bodies) == 1  # every one got the same file
    assert next(iter(bodies)).startswith(b"%PDF-")


@pytest.mark.django_db
def test_the_pdf_is_made_again_only_when_what_it_shows_changes(conversions):
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
