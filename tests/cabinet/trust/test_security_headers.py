"""Response headers: a strict Content-Security-Policy, no framing, no caching of what a signed-in
official sees, and production's HTTPS-only cookies and HSTS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.http import HttpResponseBase
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from tests.cabinet.core.test_settings import PRODUCTION, run_manage
from tests.factories import Room

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def directives(response: HttpResponseBase) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def test_every_page_has_a_strict_policy_and_refuses_framing(client: Client) -> None:
    response = client.get(reverse("login"))
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'self'" in csp["worker-src"]  # pdf.js's worker is a static file
    assert csp["connect-src"] == ["'self'"]  # and the same-origin meeting socket
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]


def test_templates_have_no_inline_script_handler_or_style() -> None:
    """What the policy forbids must not be in the templates (it would silently not run)."""
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{template}: {tag}")
        offenders += [f"{template}: {m}" for m in re.findall(r"\son[a-z]+\s*=", text)]
        offenders += [f"{template}: {m}" for m in re.findall(r"\sstyle\s*=|<style\b", text)]
        offenders += [f"{template}: {m}" for m in re.findall(r"hx-on|javascript:", text)]
    assert offenders == []


@pytest.fixture
def room() -> Room:
    return Room()


def test_pages_with_meeting_content_and_papers_are_not_stored(client: Client, room: Room) -> None:
    client.force_login(room.member.user)
    paper = room.public_paper
    version = paper.versions.get()
    for url in (
        reverse("cabinet:home"),
        reverse("cabinet:meeting", args=[room.meeting.pk]),
        reverse("cabinet:paper_view", args=[paper.pk, version.number]),
        reverse("cabinet:tasks"),
        reverse("assistant:home"),
        reverse("account_security"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


def test_the_login_page_is_not_marked_for_signed_in_users_only(client: Client) -> None:
    response = client.get(reverse("login"))
    assert "Content-Security-Policy" in response
    assert response["Permissions-Policy"]


def test_production_cookies_are_secure_and_hsts_is_on(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT, s.TWO_FACTOR_ENFORCED,"
        " s.TRUSTED_PROXY_COUNT)"
    )
    result = run_manage("shell", "-c", code, env=PRODUCTION | {"DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "True",
        "True",
        "True",
        "True",
        "True",
        "True",
        "1",
    ]


def test_the_demo_signs_in_with_a_password_only(tmp_path: Path) -> None:
    code = "from django.conf import settings as s; print(s.DEBUG, s.TWO_FACTOR_ENFORCED)"
    result = run_manage("shell", "-c", code, env={"DATA_DIR": str(tmp_path), "DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["True", "False"]


def test_https_responses_carry_hsts_under_production_settings(
    client: Client, settings: Settings
) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
