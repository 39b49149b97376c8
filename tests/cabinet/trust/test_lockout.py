"""Failed passwords lock a username out from one address (django-axes), not everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from pytest_django.fixtures import Settings

from cabinet.trust.security import client_ip
from tests.factories import PASSWORD, make_user

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
OFFICE = "10.20.0.15"


@pytest.fixture
def limit(settings: Settings) -> int:
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def attempt(client: Client, username: str, password: str, ip: str) -> _MonkeyPatchedWSGIResponse:
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_failures_lock_the_username_from_that_address_even_with_the_right_password(
    client: Client, limit: int
) -> None:
    official = make_user()
    for _ in range(limit - 1):
        response = attempt(client, official.username, "doan-bua", ATTACKER)
        assert response.status_code == 200  # the form again, with its error
    response = attempt(client, official.username, "doan-bua", ATTACKER)
    assert response.status_code == 429
    response = attempt(client, official.username, PASSWORD, ATTACKER)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_official_still_signs_in_from_another_address(client: Client, limit: int) -> None:
    official = make_user()
    for _ in range(limit + 2):
        attempt(client, official.username, "doan-bua", ATTACKER)
    assert attempt(client, official.username, PASSWORD, ATTACKER).status_code == 429
    response = attempt(client, official.username, PASSWORD, OFFICE)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(official.pk)


def test_another_username_from_the_same_address_is_not_locked(client: Client, limit: int) -> None:
    official, colleague = make_user(), make_user()
    for _ in range(limit):
        attempt(client, official.username, "doan-bua", ATTACKER)
    assert attempt(client, colleague.username, PASSWORD, ATTACKER).status_code == 302


def test_a_success_before_the_limit_forgets_the_failures(client: Client, limit: int) -> None:
    official = make_user()
    for _ in range(limit - 1):
        attempt(client, official.username, "sai", OFFICE)
    assert attempt(client, official.username, PASSWORD, OFFICE).status_code == 302
    client.post(reverse("logout"))
    for _ in range(limit - 1):
        attempt(client, official.username, "sai", OFFICE)
    assert attempt(client, official.username, PASSWORD, OFFICE).status_code == 302


def test_the_lockout_page_is_in_vietnamese(client: Client, limit: int, settings: Settings) -> None:
    settings.AXES_COOLOFF_TIME = __import__("datetime").timedelta(minutes=15)
    official = make_user()
    for _ in range(limit):
        response = attempt(client, official.username, "sai", ATTACKER)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Tạm khóa đăng nhập" in body
    assert "Đăng nhập sai quá nhiều lần" in body
    assert "15 phút" in body
    assert '<html lang="vi">' in body


def test_the_client_address_is_the_one_the_trusted_proxy_saw(settings: Settings) -> None:
    factory = RequestFactory()
    spoofed = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {OFFICE}")
    settings.TRUSTED_PROXY_COUNT = 0  # no proxy: the header is anyone's to write
    assert client_ip(spoofed) == "127.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1  # nginx appends the address it saw: the last one
    assert client_ip(spoofed) == OFFICE
    bare = factory.get("/", REMOTE_ADDR="127.0.0.1")
    assert client_ip(bare) == "127.0.0.1"
