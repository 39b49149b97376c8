from __future__ import annotations

import inspect
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connections


@pytest_asyncio.fixture
async def _sync_thread_connections_closed() -> AsyncIterator[None]:
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture(autouse=True)
def close_sync_thread_connections(request: pytest.FixtureRequest) -> None:
    """Code under test runs ORM calls in asgiref's sync thread, whose connection would otherwise
    stay open after the test and keep PostgreSQL from dropping the test database. Only async
    tests run code there; a plain test gets no event loop from this fixture (pytest-django runs
    tests without a database mark last, after the browser tests, whose Playwright loop is still
    running and would refuse a second one)."""
    if inspect.iscoroutinefunction(request.function):
        request.getfixturevalue("_sync_thread_connections_closed")
