from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Every test writes uploads to its own folder, never to the checkout's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
