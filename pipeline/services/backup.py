"""Backups: one consistent copy of the whole database, and its restore into an empty one.

- PostgreSQL: `pg_dump --format=custom` (a snapshot taken in one repeatable-read transaction,
  so the copy is consistent while the app keeps writing) and `pg_restore` in one transaction.
- SQLite: the sqlite3 online backup API, page by page under SQLite's own locking. Copying the
  file of a live WAL database is not a backup: the latest commits may still sit in the `-wal`
  file, and a copy taken mid-checkpoint can be corrupt.

A restore refuses a target that already holds tables unless told to replace them, so a typo in
the target cannot silently wipe a live database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import dj_database_url
from django.db import connection


class BackupError(Exception):
    """A backup or restore that could not be done; the message says what to fix."""


@dataclass(frozen=True)
class Target:
    vendor: str  # "postgresql" or "sqlite"
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""


def target_from_url(url: str | None) -> Target:
    """The database a URL names; without a URL, the one the app is connected to."""
    cfg = dj_database_url.parse(url) if url else connection.settings_dict
    engine = cfg["ENGINE"]
    if "postgresql" in engine:
        vendor = "postgresql"
    elif "sqlite3" in engine:
        vendor = "sqlite"
    else:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {engine}.")
    return Target(
        vendor=vendor,
        name=str(cfg["NAME"]),
        host=str(cfg.get("HOST") or ""),
        port=str(cfg.get("PORT") or ""),
        user=str(cfg.get("USER") or ""),
        password=str(cfg.get("PASSWORD") or ""),
    )


def _pg_env(target: Target) -> dict[str, str]:
    env = {**os.environ}
    for key, value in (
        ("PGHOST", target.host),
        ("PGPORT", target.port),
        ("PGUSER", target.user),
        ("PGPASSWORD", target.password),
        ("PGDATABASE", target.name),
    ):
        if value:
            env[key] = value
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"{name} was not found on PATH; install the PostgreSQL client tools "
            f"(Debian: apt-get install postgresql-client) in the same major version as the server."
        )
    return path


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise BackupError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[-2000:]}")


def backup_create(*, output: Path, url: str | None = None) -> Path:
    """Write a consistent copy of the database to `output` (replaced if it exists)."""
    target = target_from_url(url)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    if target.vendor == "postgresql":
        _run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl", "-f", str(partial)],
            _pg_env(target),
        )
    else:
        _sqlite_copy(source=_sqlite_source(target, url), dest=partial)
    # The finished file appears only when complete: a crash never leaves a truncated backup
    # under the real name.
    partial.replace(output)
    return output


def _sqlite_source(target: Target, url: str | None) -> sqlite3.Connection:
    if url is None:
        # The app's own connection also reaches an in-memory database (the test suite's).
        connection.ensure_connection()
        return connection.connection
    return sqlite3.connect(target.name)


def _sqlite_copy(*, source: sqlite3.Connection, dest: Path) -> None:
    out = sqlite3.connect(dest)
    try:
        source.backup(out)
        # A backup file is one self-contained file, whatever the journal mode of the source.
        out.execute("PRAGMA journal_mode=DELETE")
        ok = out.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"The SQLite copy failed its integrity check: {ok}")
    finally:
        out.close()


def _pg_tables(target: Target) -> int:
    out = subprocess.run(
        [
            _tool("psql"),
            "-tAc",
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
        ],
        env=_pg_env(target),
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise BackupError(f"Cannot reach the target database {target.name}: {out.stderr.strip()}")
    return int(out.stdout.strip() or 0)


def backup_restore(*, source: Path, url: str | None = None, replace: bool = False) -> None:
    """Load a backup into the target database, which must be empty unless `replace`."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    target = target_from_url(url)
    if target.vendor == "postgresql":
        if not replace and _pg_tables(target):
            raise BackupError(
                f"The database {target.name} is not empty; restore into an empty database "
                "or pass --replace to overwrite it."
            )
        cmd = [_tool("pg_restore"), "--no-owner", "--no-acl", "--single-transaction"]
        if replace:
            cmd += ["--clean", "--if-exists"]
        _run([*cmd, "-d", target.name, str(source)], _pg_env(target))
        return
    if url is None:
        # The app must not hold the file open while it is overwritten.
        connection.close()
    dest = sqlite3.connect(target.name)
    try:
        tables = dest.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()
        if tables[0] and not replace:
            raise BackupError(
                f"The database {target.name} is not empty; restore into an empty database "
                "or pass --replace to overwrite it."
            )
        src = sqlite3.connect(source)
        try:
            src.backup(dest)
        finally:
            src.close()
        dest.execute("PRAGMA journal_mode=WAL")
    finally:
        dest.close()
