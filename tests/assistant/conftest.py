from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    """Each test builds its process index from its own database."""
    from assistant.search.index import forget_index

    forget_index()
    yield
    forget_index()


@pytest.fixture
def shared_data() -> Path:
    """../shared/data (CI has it beside the checkout: there its absence is a failure)."""
    if not (SHARED_DATA / "directives").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the shared data at {SHARED_DATA}")
        pytest.skip("needs ../shared/data")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy from the environment would carry the requests for 127.0.0.1 elsewhere."""
    for name in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
