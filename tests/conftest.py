from __future__ import annotations

import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_django.fixtures import Settings

# A skip because the machine lacks a component (LibreOffice, pg_dump, ../shared/data, the built
# embedding model). A newcomer's machine may lack one and still get a useful run; in CI
# (CI=true) scripts/setup.sh installs every one, so such a skip means a broken setup and fails.
MISSING_COMPONENT = re.compile(
    r"not installed|needs \.\./shared/data|needs the embedding model|model is not built"
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") != "true" or not report.skipped:
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if MISSING_COMPONENT.search(reason):
        report.outcome = "failed"
        report.longrepr = f"CI=true, yet a component the suite needs is missing: {reason}"


@pytest.fixture(autouse=True)
def private_media(settings: Settings, tmp_path: Path) -> Path:
    """Every test writes uploads to its own folder, never to the checkout's media/."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    return media


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    # PBKDF2's deliberate slowness is a production property; tests only need passwords to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings: Settings) -> None:
    """Background tasks run in the enqueuing process (the e2e tests start a real db_worker)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def own_rate_limit_counters(settings: Settings) -> None:
    """Every test counts its requests from zero (cabinet/trust/ratelimit.py): the counters' cache gets
    a prefix of its own."""
    import uuid

    counters = dict(settings.CACHES["ratelimit"], KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    settings.CACHES = dict(settings.CACHES, ratelimit=counters)


@pytest.fixture(autouse=True)
def papers_not_indexed(settings: Settings) -> None:
    """Indexing a paper embeds it with the real model; the assistant's tests turn it on."""
    settings.ASSISTANT_INDEX_PAPERS = False


@pytest.fixture(autouse=True)
def no_event_relay(settings: Settings) -> None:
    """The relay is a per-process loop; tests that are about it turn it on themselves."""
    settings.EVENT_RELAY_INTERVAL = 0


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Every test starts in Vietnamese, whatever an earlier test's request chose."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def axes_sees_test_logins(monkeypatch: pytest.MonkeyPatch) -> None:
    """django-axes checks the lockout in authenticate(), which needs the request; the test
    client's login() passes none. Give it one from 127.0.0.1, so that the suite's logins go
    through axes as a browser's do (tests/cabinet/trust/test_lockout.py signs in through the form)."""
    from django.http import HttpRequest
    from django.test import Client

    original = Client.login

    def login(self: Client, **credentials: Any) -> bool:
        if "request" not in credentials:
            request = HttpRequest()
            request.META["REMOTE_ADDR"] = "127.0.0.1"
            credentials["request"] = request
        return original(self, **credentials)

    monkeypatch.setattr(Client, "login", login)


@pytest.fixture(autouse=True, scope="session")
def audit_log_emptied_between_tests() -> Iterator[None]:
    """The audit log refuses DELETE in the database itself (cabinet/trust/audit_guard.py); emptying the
    test database after a transactional test (Django's flush) lifts that guard for the moment."""
    from django.core.management.commands import flush
    from django.db import connections

    from cabinet.trust.audit_guard import lifted_guard

    original = flush.Command.handle

    def handle(self: flush.Command, **options: Any) -> None:
        with lifted_guard(connections[options["database"]]):
            original(self, **options)

    # A patch for the whole session (monkeypatch is per test): flush is called by every
    # transactional test's teardown.
    flush.Command.handle = handle  # type: ignore[method-assign]
    yield
    flush.Command.handle = original  # type: ignore[method-assign]
