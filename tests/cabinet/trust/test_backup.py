"""backup / restore: a real file database, seeded once in a separate process, backed up, wiped,
restored and compared; a damaged backup is refused before anything is touched."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from cabinet.trust.backup import counted_tables, sha256_of

ROOT = Path(__file__).resolve().parents[3]


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {"DATA_DIR": str(tmp / "data"), "MEDIA_ROOT": str(tmp / "media"), "DEBUG": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def manage(tmp: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_env(tmp),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


def counts(db: Path) -> dict[str, int]:
    connection = sqlite3.connect(db)
    try:  # closed at once: a connection left open would hold the file the restore replaces
        return {
            table: connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in counted_tables()
        }
    finally:
        connection.close()


def hashes(media: Path) -> dict[str, str]:
    return {
        p.relative_to(media).as_posix(): sha256_of(p)
        for p in sorted(media.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo installation in its own DATA_DIR and MEDIA_ROOT (migrate + seed_demo, ~25 s)."""
    tmp = tmp_path_factory.mktemp("installation")
    manage(tmp, "migrate", "-v0")
    manage(tmp, "seed_demo")
    return tmp


@pytest.fixture
def backup(seeded: Path) -> Iterator[Path]:
    result = manage(seeded, "backup", "--output", str(seeded / "backups"))
    assert "Backup written" in result.stdout
    (folder,) = list((seeded / "backups").glob("backup-*"))
    yield folder
    shutil.rmtree(seeded / "backups")


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the SQLite round trip runs on the embedded default only",
)
class TestSQLiteRoundTrip:
    def test_backup_holds_a_manifest_of_every_file_and_the_row_counts(
        self, seeded: Path, backup: Path
    ) -> None:
        manifest = json.loads((backup / "manifest.json").read_text())
        assert manifest["engine"] == "sqlite"
        assert manifest["created_at"].endswith("Z")
        assert manifest["database"] == "database.sqlite3"
        for name, facts in manifest["files"].items():
            assert sha256_of(backup / name) == facts["sha256"]
            assert (backup / name).stat().st_size == facts["size"]
        media = {n.removeprefix("media/") for n in manifest["files"] if n.startswith("media/")}
        assert media == set(hashes(seeded / "media"))
        assert any(name.startswith("papers/") for name in media)
        assert manifest["row_counts"] == counts(seeded / "data" / "cabinet.sqlite3")
        assert manifest["row_counts"]["cabinet_meeting"] == 3
        assert manifest["row_counts"]["cabinet_user"] > 10

    def test_wiped_installation_is_restored_identically(self, seeded: Path, backup: Path) -> None:
        db = seeded / "data" / "cabinet.sqlite3"
        rows_before, files_before = counts(db), hashes(seeded / "media")
        for path in seeded.joinpath("data").glob("cabinet.sqlite3*"):
            path.unlink()
        shutil.rmtree(seeded / "media")

        result = manage(seeded, "restore", str(backup))

        assert "Restore verified" in result.stdout
        assert counts(db) == rows_before
        assert hashes(seeded / "media") == files_before
        # The restored application works: its data is all there and the audit guard too.
        check = manage(seeded, "shell", "-c", _AUDIT_STILL_GUARDED)
        assert "guarded" in check.stdout

    def test_restore_over_existing_data_needs_force(self, seeded: Path, backup: Path) -> None:
        refused = manage(seeded, "restore", str(backup), check=False)
        assert refused.returncode != 0
        assert "--force" in refused.stderr
        assert "Restore verified" in manage(seeded, "restore", str(backup), "--force").stdout

    @pytest.mark.parametrize("victim", ["media", "database"])
    def test_damaged_backup_is_refused_before_anything_changes(
        self, seeded: Path, backup: Path, victim: str
    ) -> None:
        manifest = json.loads((backup / "manifest.json").read_text())
        name = next(n for n in manifest["files"] if n.startswith("media/papers/"))
        target = backup / (name if victim == "media" else "database.sqlite3")
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
        db = seeded / "data" / "cabinet.sqlite3"
        before = sha256_of(db)

        refused = manage(seeded, "restore", str(backup), "--force", check=False)

        assert refused.returncode != 0
        assert "damaged or was altered" in refused.stderr
        assert "checksum does not match" in refused.stderr
        assert sha256_of(db) == before

    def test_a_file_slipped_into_the_backup_is_refused(self, seeded: Path, backup: Path) -> None:
        (backup / "media" / "papers" / "extra.pdf").write_bytes(b"%PDF-1.4 not ours")
        refused = manage(seeded, "restore", str(backup), "--force", check=False)
        assert refused.returncode != 0
        assert "not in the manifest" in refused.stderr


_AUDIT_STILL_GUARDED = """
from django.db import connection
try:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cabinet_auditentry")
except Exception:
    print("guarded")
"""


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="PostgreSQL only (the CI's second run)",
)
@pytest.mark.django_db(transaction=True)
def test_postgresql_round_trip_with_pg_dump_and_pg_restore(tmp_path: Path) -> None:
    from django.core.management import call_command

    from cabinet.models import Unit
    from tests.factories import make_meeting

    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore not installed (apt-get install postgresql-client)")
    meeting = make_meeting()
    paper_dir = Path(settings.MEDIA_ROOT) / "papers"
    paper_dir.mkdir(parents=True, exist_ok=True)
    (paper_dir / "a.pdf").write_bytes(b"%PDF-1.4 test")
    call_command("backup", "--output", str(tmp_path))
    (folder,) = list(tmp_path.glob("backup-*"))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["engine"] == "postgresql"
    assert manifest["row_counts"]["cabinet_meeting"] == 1

    Unit.objects.create(code="after-backup", name="Sở mới", kind="department")
    (paper_dir / "a.pdf").unlink()
    call_command("restore", str(folder), "--force")

    assert not Unit.objects.filter(code="after-backup").exists()
    assert (paper_dir / "a.pdf").read_bytes() == b"%PDF-1.4 test"
    assert meeting.__class__.objects.filter(pk=meeting.pk).exists()
