"""Per-user rate limits on the expensive endpoints (cabinet/trust/ratelimit.py), seen over HTTP as a
signed-in official (or a script with their session) sees them."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.http import HttpResponseBase, StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from cabinet.models import User
from cabinet.trust import ratelimit
from tests.factories import PASSWORD, make_meeting, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def one_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each burst falls in one window of the limiter's fixed windows (clock minutes): on a slow
    machine a burst that straddled a minute's end was counted in two windows, and the
    over-the-limit request got 200 (seen on the CI's PostgreSQL pass)."""
    frozen = time.time()
    # The limiter's own clock only (its module's name `time`), not the process's.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: frozen))


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def read_stream(response: HttpResponseBase) -> bytes:
    """Read a streamed response (the CSV exports) to its end, as the browser would."""
    assert isinstance(response, StreamingHttpResponse)
    return response.getvalue()  # b"".join(response.streaming_content)


def test_the_eleventh_rapid_export_gets_429_in_vietnamese_with_retry_after() -> None:
    user = make_user(organizer=True)
    client = signed_in(user)
    export = reverse("cabinet:task_export")
    for _ in range(10):
        assert client.get(export).status_code == 200
    refused = client.get(export)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Thao tác quá nhanh" in page
    assert "Vui lòng thử lại sau" in page
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["Content-Type"].startswith("text/html")
    # Nothing was generated: the refusal is a page, not a workbook.
    assert "spreadsheetml" not in refused["Content-Type"]


def test_the_exports_share_one_budget_and_each_user_has_their_own() -> None:
    secretary = make_user(organizer=True)
    meeting = make_meeting(secretary=secretary)
    client = signed_in(secretary)
    for _ in range(5):
        assert client.get(reverse("cabinet:task_export")).status_code == 200
        invitation = client.get(reverse("cabinet:invitation_docx", args=[meeting.pk]))
        assert invitation.status_code == 200
    # The invitation, the notice, the audit log: another export, the same user, over the limit.
    assert client.get(reverse("cabinet:invitation_docx", args=[meeting.pk])).status_code == 429
    assert client.get(reverse("assistant:notice_docx", args=[meeting.pk])).status_code == 429
    # Someone else at the same moment is not held back by it.
    other = signed_in(make_user(organizer=True))
    assert other.get(reverse("cabinet:task_export")).status_code == 200


def test_the_audit_csv_is_limited_too() -> None:
    officer = make_user()
    group = Group.objects.create(name="An ninh thông tin (rate)")
    group.permissions.add(Permission.objects.get(codename="view_audit"))
    officer.groups.add(group)
    client = signed_in(officer)
    export = reverse("cabinet:audit_export")
    for _ in range(10):
        response = client.get(export)
        assert response.status_code == 200
        read_stream(response)
    assert client.get(export).status_code == 429


def test_ask_json_answers_429_as_json_in_vietnamese(settings: Settings) -> None:
    settings.RATE_LIMIT_ASK = "3/m"
    client = signed_in(make_user())
    url = reverse("assistant:ask_json")
    # Refused questions count too: the limit is on requests, checked before any work is done.
    for _ in range(3):
        response = client.post(url, data="{}", content_type="application/json")
        assert response.status_code == 400
    refused = client.post(
        url, data=json.dumps({"question": "Sở Nội vụ làm gì?"}), content_type="application/json"
    )
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/json"
    assert "Vui lòng thử lại sau" in refused.json()["error"]
    assert int(refused["Retry-After"]) >= 1


def test_the_question_box_shows_the_refusal_where_the_answer_goes(
    settings: Settings,
) -> None:
    settings.RATE_LIMIT_ASK = "1/m"
    client = signed_in(make_user())
    url = reverse("assistant:ask")
    assert client.post(url, {"question": ""}, HTTP_HX_REQUEST="true").status_code == 200
    refused = client.post(url, {"question": "Sở Nội vụ làm gì?"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 429
    body = refused.content.decode()
    assert 'role="alert"' in body
    assert "<html" not in body  # a fragment for htmx to swap in
    assert "Vui lòng thử lại sau" in body


def test_a_limit_of_zero_turns_it_off(settings: Settings) -> None:
    settings.RATE_LIMIT_EXPORTS = "0"
    client = signed_in(make_user(organizer=True))
    for _ in range(12):
        assert client.get(reverse("cabinet:task_export")).status_code == 200


def test_a_mistyped_limit_stops_the_server_at_start(settings: Settings) -> None:
    settings.RATE_LIMIT_EXPORTS = "10 per minute"
    with pytest.raises(SystemCheckError, match="RATE_LIMIT_EXPORTS"):
        call_command("check")


def test_the_refusal_speaks_english_when_asked(settings: Settings) -> None:
    settings.RATE_LIMIT_EXPORTS = "1/h"
    client = signed_in(make_user(organizer=True))
    client.cookies["django_language"] = "en"
    assert client.get(reverse("cabinet:task_export")).status_code == 200
    refused = client.get(reverse("cabinet:task_export"))
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert "Please try again in" in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 3600
