"""When no task worker is working, the secretary is told so instead of an upload "waiting" for
ever, and /health/ready says so to the operator's monitoring (cabinet/core/worker.py, cabinet/ops/health.py).

Uploads are queued for the database task backend here, as in production (the suite's default runs
tasks in the request, where there is no worker to watch)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from cabinet.models import PaperVersion, User, VersionStatus, WorkerHeartbeat
from tests.factories import PASSWORD, make_meeting, make_user, pdf_upload, secretary_of

pytestmark = pytest.mark.django_db

DOWN_VI = "Máy xử lý tài liệu không hoạt động"
DOWN_EN = "the document processor is not running"


@pytest.fixture(autouse=True)
def database_task_backend(settings: Settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def beat(seconds_ago: float) -> None:
    """What a worker's heartbeat thread writes: its loop was seen working ``seconds_ago``."""
    seen = timezone.now() - dt.timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.update_or_create(
        worker_id="w1",
        defaults={"host": "worker-1", "pid": 4242, "started_at": seen, "beat_at": seen},
    )


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_an_upload_with_no_worker_running_says_the_processor_is_down(
    settings: Settings,
) -> None:
    settings.WORKER_STALE_SECONDS = 60
    meeting = make_meeting()
    secretary = signed_in(secretary_of(meeting))
    response = secretary.post(
        reverse("cabinet:paper_upload", args=[meeting.pk]),
        {"title": "Báo cáo tình hình", "kind": "report", "file": pdf_upload(2)},
    )
    assert response.status_code == 302
    version = PaperVersion.objects.get(paper__meeting=meeting)
    assert version.status == VersionStatus.QUEUED  # nobody has processed it

    page = secretary.get(reverse("cabinet:meeting", args=[meeting.pk])).content.decode()
    assert DOWN_VI in page
    assert "Đang chờ xử lý" not in page  # not the eternal waiting state
    status_url = reverse("cabinet:paper_status", args=[version.paper_id, version.number])
    assert DOWN_VI in secretary.get(status_url).content.decode()  # what the page polls

    secretary.cookies["django_language"] = "en"
    english = secretary.get(reverse("cabinet:meeting", args=[meeting.pk])).content.decode()
    assert DOWN_EN in english
    assert DOWN_VI not in english

    # A worker that is working: the upload is simply waiting its turn.
    secretary.cookies["django_language"] = "vi"
    beat(seconds_ago=5)
    page = secretary.get(status_url).content.decode()
    assert "Đang chờ xử lý" in page
    assert DOWN_VI not in page

    # Its heartbeat has gone stale (stopped, or its loop stuck): down again.
    beat(seconds_ago=61)
    assert DOWN_VI in secretary.get(status_url).content.decode()

    # Members never see an unprocessed upload, nor this message.
    member = make_user()
    meeting.participants.create(user=member, role="member")
    assert (
        DOWN_VI
        not in signed_in(member).get(reverse("cabinet:meeting", args=[meeting.pk])).content.decode()
    )


def test_health_endpoints_answer_without_signing_in(settings: Settings, tmp_path: Path) -> None:
    anonymous = Client()
    live = anonymous.get("/health/live")
    assert live.status_code == 200
    assert live.json() == {"status": "live"}

    ready = anonymous.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "checks": {
            "database": "ok",
            "channel_layer": "ok",
            "worker": "not_running",
            "embedding_model": "ok",
        },
    }

    beat(seconds_ago=1)
    ready = anonymous.get("/health/ready")
    assert ready.status_code == 200, ready.content
    assert ready.json()["status"] == "ready"
    assert ready["Cache-Control"].startswith("max-age=0")

    settings.EMBEDDING_MODEL = tmp_path / "no-model-here"
    ready = anonymous.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["embedding_model"] == "missing"
    body = json.dumps(ready.json())
    # Nothing about the machine.
    assert str(tmp_path) not in body
    assert "worker-1" not in body


def test_a_worker_is_not_watched_when_tasks_run_in_the_request(settings: Settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ready = Client().get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"]["worker"] == "not_used"
