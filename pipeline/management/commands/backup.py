"""`manage.py backup [--output FILE] [--database-url URL]`: a consistent copy of the database."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from pipeline.services.backup import BackupError, backup_create, target_from_url


class Command(BaseCommand):
    help = "Write a consistent backup of the database (pg_dump, or SQLite's online backup)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            help="the backup file (default: backups/stagecoach-<UTC time>.<dump|sqlite3>)",
        )
        parser.add_argument(
            "--database-url", help="back up this database instead of the app's (DATABASE_URL)"
        )

    def handle(self, *args, **options) -> None:
        url = options["database_url"]
        try:
            target = target_from_url(url)
            output = options["output"]
            if not output:
                suffix = "dump" if target.vendor == "postgresql" else "sqlite3"
                stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
                output = Path("backups") / f"stagecoach-{stamp}.{suffix}"
            path = backup_create(output=Path(output), url=url)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = path.stat().st_size
        self.stdout.write(f"Backup written to {path} ({size:,} bytes).")
