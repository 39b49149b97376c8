from __future__ import annotations

import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connections


@pytest_asyncio.fixture(autouse=True)
async def close_sync_thread_connections():
    """Code under test runs ORM calls in asgiref's sync thread, whose connection would otherwise
    stay open after the test and keep PostgreSQL from dropping the test database."""
    yield
    await sync_to_async(connections.close_all)()
