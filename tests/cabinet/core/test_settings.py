"""Settings come from the environment; production values pass Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-" + "x7Qp2Lm9Zr4Tn8Vb3Kc6Wd1Hf5Jg0Ys",
    "ALLOWED_HOSTS": "hop.ubnd.example.vn",
    "CSRF_TRUSTED_ORIGINS": "https://hop.ubnd.example.vn",
    "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_check(tmp_path: Path) -> None:
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION | {"DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = PRODUCTION | {"SECRET_KEY": "", "DATA_DIR": str(tmp_path)}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_embedded_default_is_sqlite_with_wal_and_immediate_transactions(tmp_path: Path) -> None:
    code = (
        "from django.db import connection; from django.conf import settings;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode');"
        "print(connection.vendor, c.fetchone()[0], settings.DATABASES['default']['OPTIONS']"
        "['transaction_mode'], type(__import__('channels.layers').layers.get_channel_layer()).__name__,"
        " settings.TIME_ZONE, settings.LANGUAGE_CODE)"
    )
    env = {"DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "cabinet.settings"}
    result = run_manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "sqlite",
        "wal",
        "IMMEDIATE",
        "InMemoryChannelLayer",
        "Asia/Ho_Chi_Minh",
        "vi",
    ]
    assert (tmp_path / "secret_key").exists()  # generated locally, never in the repo


def test_a_malformed_boolean_is_reported_clearly(tmp_path: Path) -> None:
    result = run_manage("check", env={"DEBUG": "maybe", "DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr
