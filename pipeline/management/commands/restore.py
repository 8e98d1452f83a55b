"""`manage.py restore FILE [--database-url URL] [--replace]`: load a backup."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pipeline.services.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a file written by `manage.py backup`")
        parser.add_argument(
            "--database-url", help="restore into this database instead of the app's"
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="drop and replace the tables of a database that is not empty",
        )

    def handle(self, *args, **options) -> None:
        try:
            backup_restore(
                source=Path(options["file"]),
                url=options["database_url"],
                replace=options["replace"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored {options['file']}.")
