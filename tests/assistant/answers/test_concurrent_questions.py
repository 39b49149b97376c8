"""Twenty members ask the assistant at once, over real HTTP, while the task worker runs; then an
upload is still processed. On SQLite file storage, with the real embedding model and an LLM
endpoint that takes its time (as a local model server does).

Each question used to run in one transaction, which on SQLite takes the database's write lock at
BEGIN: twenty questions queued behind each other's embedding and LLM call, past the 20 s busy
timeout, and failed with HTTP 500 "database is locked" (the worker's polling with them)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from assistant.models import Question
from cabinet.models import PaperVersion, User, VersionStatus
from tests.factories import PASSWORD, make_meeting, make_user, pdf_upload, secretary_of
from tests.factories.library import CHI_THI_15, add_directive
from tests.worker_process import start_worker, stop_worker, wait_for_start

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="SQLite's single write lock is what is tested"
    ),
]

MEMBERS = 20
QUESTION = "Thời hạn ban hành thông báo kết luận cuộc họp là bao lâu?"
LLM_SECONDS = 1.5  # 20 × 1.5 s in one queue is well past the 20 s busy timeout
CSRF_TOKEN = "a" * 16 + "B" * 16  # a 32-character secret, sent as cookie and header


class SlowLlm:
    """An OpenAI-compatible endpoint on 127.0.0.1 that answers after LLM_SECONDS."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()
        llm = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with llm._lock:
                    llm.calls += 1
                time.sleep(LLM_SECONDS)
                body = json.dumps(
                    {"choices": [{"message": {"content": "Không tìm thấy thông tin."}}]}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"


@pytest.fixture
def slow_llm() -> Iterator[SlowLlm]:
    llm = SlowLlm()
    thread = threading.Thread(target=llm.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield llm
    finally:
        llm.server.shutdown()
        llm.server.server_close()
        thread.join(timeout=5)


def session_of(user: User) -> str:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client.cookies["sessionid"].value


def ask_over_http(base_url: str, session: str, start: threading.Barrier) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 (the live server's http:// URL)
        f"{base_url}{reverse('assistant:ask_json')}",
        data=json.dumps({"question": QUESTION}).encode(),
        headers={
            "Content-Type": "application/json",
            "Cookie": f"sessionid={session}; csrftoken={CSRF_TOKEN}",
            "X-CSRFToken": CSRF_TOKEN,
        },
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    start.wait()
    try:
        with opener.open(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read()[:300]


def test_twenty_members_asking_at_once_get_answers_and_the_worker_still_processes_uploads(
    live_server: LiveServer, settings: Settings, slow_llm: SlowLlm, tmp_path: Path
) -> None:
    add_directive(CHI_THI_15, name="chi-thi.txt")
    sessions = [session_of(make_user()) for _ in range(MEMBERS)]
    meeting = make_meeting()
    secretary = Client()
    assert secretary.login(username=secretary_of(meeting).username, password=PASSWORD)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.ASSISTANT_LLM_URL = slow_llm.url
    settings.ASSISTANT_LLM_MODEL = "local-model"

    log = tmp_path / "worker.log"
    worker = start_worker(log)
    try:
        wait_for_start(worker, log)
        start = threading.Barrier(MEMBERS)
        with ThreadPoolExecutor(MEMBERS) as pool:
            results = list(pool.map(lambda s: ask_over_http(live_server.url, s, start), sessions))
        statuses = [status for status, _body in results]
        assert statuses == [200] * MEMBERS, results
        assert all(body["found"] for _status, body in results)
        assert slow_llm.calls == MEMBERS  # every question took the slow path
        assert Question.objects.count() == MEMBERS  # every history row was kept
        assert worker.poll() is None, log.read_text()

        response = secretary.post(
            reverse("cabinet:paper_upload", args=[meeting.pk]),
            {"title": "Báo cáo sau giờ hỏi đáp", "kind": "report", "file": pdf_upload(2)},
        )
        assert response.status_code == 302
        version = PaperVersion.objects.get(paper__meeting=meeting)
        deadline = time.monotonic() + 120
        while version.is_processing and time.monotonic() < deadline:
            time.sleep(0.3)
            version.refresh_from_db()
        assert version.status == VersionStatus.READY, log.read_text()
    finally:
        stop_worker(worker)
