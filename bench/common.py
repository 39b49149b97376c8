"""Pieces the benchmarks share: a migrated throwaway database with a meeting, ports, /proc."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import time
from pathlib import Path
from typing import Any


def migrated_meeting(data_dir: Path, *, starts_in: dt.timedelta, location: str) -> Any:
    """Set Django up on the bench's DATA_DIR, migrate, and create a unit, its secretary (who may
    organise meetings) and a draft meeting. Returns (unit, secretary, meeting)."""
    import django

    (data_dir / "data" / "static").mkdir(parents=True, exist_ok=True)  # STATIC_ROOT for WhiteNoise
    django.setup()
    from django.contrib.auth.models import Permission
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from cabinet.meetings.services import meetings as meeting_services
    from cabinet.models import Unit, User

    unit = Unit.objects.create(code="vp", name="Văn phòng UBND", kind="office")
    secretary = User.objects.create(username="thuky", full_name="Thư ký", unit=unit)
    secretary.user_permissions.add(Permission.objects.get(codename="organize_meetings"))
    secretary = User.objects.get(pk=secretary.pk)  # drop the cached permissions
    starts = timezone.now() + starts_in
    meeting = meeting_services.create_meeting(
        actor=secretary,
        title="Phiên họp thường kỳ",
        kind="regular",
        location=location,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        organizer_unit=unit,
    )
    return unit, secretary, meeting


def members_with_sessions(meeting: Any, unit: Any, chair: Any, count: int) -> list[str]:
    """Add `count` members with a vote to the meeting (in bulk: thousands take seconds) and sign
    the chair and each member in. Returns their session cookies, the chair's first."""
    import string

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from cabinet.models import Participant, User

    password = make_password(None)  # unusable; the session hash only needs a stable value
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(
                username=f"tv{i:05d}",
                full_name=f"Thành viên {i}",
                position="Giám đốc",
                unit=unit,
                password=password,
            )
            for i in range(count)
        )
        Participant.objects.bulk_create(
            Participant(meeting=meeting, user=user, role="member", can_vote=True) for user in users
        )
    expires = timezone.now() + dt.timedelta(days=1)
    store = SessionStore()
    cookies: list[str] = []
    sessions = []
    for user in [chair, *User.objects.filter(username__startswith="tv").order_by("username")]:
        key = get_random_string(32, string.ascii_lowercase + string.digits)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expires)
        )
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={key}")
    Session.objects.bulk_create(sessions, batch_size=500)
    return cookies


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_listening(
    port: int, process: subprocess.Popen[bytes], log: Path, seconds: float = 60
) -> None:
    """Return once the server started as `process` accepts connections on `port`; if it exits or
    `seconds` pass first, raise with its log."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log.read_text()) from None
            time.sleep(0.2)


def proc_status_kb(pid: int, key: str) -> int:
    """A figure from /proc/<pid>/status in kB, e.g. VmRSS (now) or VmHWM (peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0
