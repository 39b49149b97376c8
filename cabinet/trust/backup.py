"""Backups: the database, the media folder and a manifest, as one timestamped folder.

    backup-20261129T103000Z/
        manifest.json        format, when, engine, every file's sha256 and size, row counts
        database.sqlite3     SQLite: a consistent copy made with SQLite's online backup API
        database.dump        PostgreSQL: pg_dump -Fc (custom format, for pg_restore)
        media/...            MEDIA_ROOT as it was (papers, tasks, library, quarantine)

The row counts are read from the same snapshot as the copy (the SQLite copy itself; on PostgreSQL
a REPEATABLE READ transaction whose snapshot pg_dump is given), so a restore can be checked
against them exactly. Restoring verifies every checksum before touching anything, then the
database and the media, then the row counts and hashes of what was restored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections, transaction

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
MEDIA_DIR = "media"
# The tables whose row counts are kept: everything of these apps (users are cabinet's).
COUNTED_APPS = ("cabinet", "assistant", "auth")
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass
class RestoreReport:
    checked_files: int = 0
    tables: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _vendor() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def counted_tables() -> list[str]:
    tables = {
        model._meta.db_table
        for app in COUNTED_APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return sorted(tables)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _count_sqlite(path: Path, tables: list[str]) -> dict[str, int]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            table: db.execute(f"SELECT COUNT(*) FROM {_quote(table)}").fetchone()[0]  # noqa: S608
            for table in tables
        }
    finally:
        db.close()


def _count_django(tables: list[str]) -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


# --- PostgreSQL -------------------------------------------------------------------------------------
def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH. Install the PostgreSQL client tools "
            f"(Debian/Ubuntu: apt-get install postgresql-client) in a version at least that of "
            f"the server."
        )
    return found


def _pg_args_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    args += ["--dbname", str(db["NAME"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _dump_postgresql(target: Path, tables: list[str]) -> dict[str, int]:
    pg_dump = _pg_tool("pg_dump")
    args, env = _pg_args_env()
    if connection.in_atomic_block:
        raise BackupError("A backup must not run inside a transaction.")
    # Connect (and let any health check run) now: SET TRANSACTION must be the transaction's first
    # statement.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        # pg_dump reads the snapshot this transaction holds: the dump and the counts agree.
        _run(
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                f"--snapshot={snapshot}",
                "--file",
                str(target),
                *args,
            ],
            env,
        )
        return _count_django(tables)


def _restore_postgresql(source: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    args, env = _pg_args_env()
    connections.close_all()
    _run(
        [pg_restore, "--clean", "--if-exists", "--no-owner", "--exit-on-error", *args, str(source)],
        env,
    )


# --- SQLite -----------------------------------------------------------------------------------------
def _sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy while other connections read and write."""
    src = sqlite3.connect(source, timeout=20)
    dst = sqlite3.connect(target, timeout=20)
    try:
        with dst:
            src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


# --- Files ------------------------------------------------------------------------------------------
def _copy_tree(source: Path, target: Path) -> None:
    for path in sorted(source.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)


def _inventory(root: Path) -> dict[str, dict[str, Any]]:
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            files[path.relative_to(root).as_posix()] = {
                "sha256": sha256_of(path),
                "size": path.stat().st_size,
            }
    return files


def create_backup(output: Path, *, now: dt.datetime | None = None) -> Path:
    """Write a backup folder under `output` and return it."""
    vendor = _vendor()
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    stamp = moment.strftime("%Y%m%dT%H%M%SZ")
    output.mkdir(parents=True, exist_ok=True)
    final = output / f"backup-{stamp}"
    if final.exists():
        raise BackupError(f"{final} already exists.")
    work = Path(tempfile.mkdtemp(prefix=f".backup-{stamp}-", dir=output))
    try:
        tables = counted_tables()
        if vendor == "sqlite":
            database = SQLITE_FILE
            _copy_sqlite(_sqlite_path(), work / database)
            counts = _count_sqlite(work / database, tables)
        else:
            database = PG_FILE
            counts = _dump_postgresql(work / database, tables)
        media_root = Path(settings.MEDIA_ROOT)
        if media_root.is_dir():
            _copy_tree(media_root, work / MEDIA_DIR)
        manifest = {
            "format": FORMAT,
            "created_at": moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "engine": vendor,
            "database": database,
            "files": _inventory(work),
            "row_counts": counts,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        work.rename(final)  # only a complete backup carries the final name
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


# --- Restore ----------------------------------------------------------------------------------------
def read_manifest(backup: Path) -> dict[str, Any]:
    path = backup / MANIFEST
    if not path.is_file():
        raise BackupError(f"{backup} is not a backup: {MANIFEST} is missing.")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as exc:
        raise BackupError(f"{path} is damaged: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown backup format.")
    return manifest


def verify_backup(backup: Path, manifest: dict[str, Any]) -> list[str]:
    """Every listed file present with its size and hash, and nothing else; the problems found."""
    problems = []
    listed = manifest.get("files", {})
    for name, expected in sorted(listed.items()):
        path = backup / name
        if not path.resolve().is_relative_to(backup.resolve()):
            problems.append(f"{name}: outside the backup")
        elif not path.is_file():
            problems.append(f"{name}: missing")
        elif path.stat().st_size != expected["size"]:
            problems.append(f"{name}: size {path.stat().st_size}, expected {expected['size']}")
        elif sha256_of(path) != expected["sha256"]:
            problems.append(f"{name}: checksum does not match")
    present = set(_inventory(backup))
    problems += [f"{name}: not in the manifest" for name in sorted(present - set(listed))]
    if manifest.get("database") not in listed:
        problems.append("the database file is not listed")
    return problems


def _has_data(vendor: str) -> bool:
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.is_dir() and any(
        p.is_file() and p.name != ".gitkeep" for p in media_root.rglob("*")
    ):
        return True
    if vendor == "sqlite":
        path = _sqlite_path()
        if not path.exists() or path.stat().st_size == 0:
            return False
    return "django_migrations" in connection.introspection.table_names()


def restore_backup(backup: Path, *, force: bool) -> RestoreReport:
    """Verify, then replace the database and MEDIA_ROOT with the backup's, then check them."""
    vendor = _vendor()
    manifest = read_manifest(backup)
    problems = verify_backup(backup, manifest)
    if problems:
        raise BackupError(
            "The backup is damaged or was altered; nothing was restored:\n  "
            + "\n  ".join(problems)
        )
    if manifest["engine"] != vendor:
        raise BackupError(
            f"This backup is of a {manifest['engine']} database; the configured one is {vendor}."
        )
    if not force and _has_data(vendor):
        raise BackupError(
            "The database or the media folder already holds data; restoring replaces it. "
            "Stop the application and run again with --force."
        )
    source = backup / manifest["database"]
    if vendor == "sqlite":
        connections.close_all()
        target = _sqlite_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        # Built beside the database, then renamed over it: the live file is never written half-way,
        # and its stale -wal/-shm (the application is stopped) go with it.
        staged = target.with_name(f".{target.name}.restoring")
        staged.unlink(missing_ok=True)
        _copy_sqlite(source, staged)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(staged, target)
        db = sqlite3.connect(target)
        try:
            db.execute("PRAGMA journal_mode=WAL")
        finally:
            db.close()
    else:
        _restore_postgresql(source)
    _restore_media(backup / MEDIA_DIR, Path(settings.MEDIA_ROOT))
    return check_restored(manifest)


def _restore_media(source: Path, media_root: Path) -> None:
    media_root.mkdir(parents=True, exist_ok=True)
    for child in media_root.iterdir():  # the folder may be a mount point: empty it, keep it
        if child.name == ".gitkeep":
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    if source.is_dir():
        _copy_tree(source, media_root)


def check_restored(manifest: dict[str, Any]) -> RestoreReport:
    report = RestoreReport()
    connections.close_all()
    expected_counts: dict[str, int] = manifest["row_counts"]
    actual = _count_django(sorted(expected_counts))
    report.tables = len(expected_counts)
    for table, count in sorted(expected_counts.items()):
        if actual[table] != count:
            report.problems.append(f"table {table}: {actual[table]} rows, expected {count}")
    media_root = Path(settings.MEDIA_ROOT)
    prefix = MEDIA_DIR + "/"
    for name, expected in sorted(manifest["files"].items()):
        if not name.startswith(prefix):
            continue
        path = media_root / name.removeprefix(prefix)
        report.checked_files += 1
        if not path.is_file():
            report.problems.append(f"{name}: not restored")
        elif sha256_of(path) != expected["sha256"]:
            report.problems.append(f"{name}: restored file differs")
    return report
