"""manage.py import_deals FILE.csv [--pipeline NAME] [--create-missing] [--dry-run]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from pipeline.services.imports import (
    ImportOptions,
    ImportRefused,
    ImportReport,
    deal_import_apply,
    deal_import_preview,
)
from pipeline.services.imports.csvfiles import CsvFormatError


class Command(BaseCommand):
    help = (
        "Import deals from a CSV file (UTF-8, delimiter , ; or tab). Every row is checked "
        "first; the file is applied all or nothing, and re-importing it adds no duplicates."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--pipeline", help="Pipeline for rows without a pipeline column.")
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="Create unknown stages, owners (who cannot log in until invited), "
            "organizations, people and lost reasons. Without it, they are listed and "
            "nothing is written.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument(
            "--number-format",
            choices=["point", "comma"],
            default="point",
            help="point: 1,234.50 (default); comma: 1 234,50 or 1.234,50",
        )
        parser.add_argument(
            "--date-format",
            choices=["dmy", "mdy"],
            default="",
            help="How dates like 03/04/2027 are written: dmy (day first) or mdy (month "
            "first). Needed only when the file has dates that read both ways.",
        )
        parser.add_argument("--user", help="Username recorded as the importer (default: an admin).")

    def handle(self, *args, **opts) -> None:  # noqa: ANN002, ANN003
        actor = self._actor(opts.get("user"))
        options = ImportOptions(
            number_format=opts["number_format"],
            pipeline=opts.get("pipeline"),
            create_missing=opts["create_missing"],
            date_format=opts["date_format"],
        )

        def progress(phase: str, rows: int) -> None:
            if opts["verbosity"] > 1:
                self.stderr.write(f"{phase}: {rows}")

        try:
            if opts["dry_run"]:
                report = deal_import_preview(
                    source=opts["file"], actor=actor, options=options, progress=progress
                )
            else:
                report = deal_import_apply(
                    source=opts["file"], actor=actor, options=options, progress=progress
                )
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {opts['file']}") from exc
        except CsvFormatError as exc:
            raise CommandError(str(exc)) from exc
        except ImportRefused as exc:
            self._print(exc.report)
            raise CommandError(
                "Nothing was imported. Fix the rows above"
                + ("" if options.create_missing else " or pass --create-missing")
                + (" and pass --date-format" if exc.report.date_order_needed else "")
                + "."
            ) from exc
        self._print(report)
        if opts["dry_run"]:
            ok = report.can_apply(options.create_missing)
            self.stdout.write(
                "Dry run: nothing written."
                + ("" if ok else " Applying would be refused for the reasons above.")
            )
            if not ok:
                raise CommandError("The file cannot be imported as it is.")
        else:
            created = ", ".join(f"{n} {k}" for k, n in report.created.items() if n)
            self.stdout.write(self.style.SUCCESS(f"Imported: {created or 'nothing new'}."))

    def _actor(self, username: str | None) -> User:
        users = User.objects.filter(is_active=True)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"No active user {username!r}.")
            return user
        user = (
            users.filter(is_superuser=True).order_by("id").first()
            or users.filter(role=User.Role.ADMIN).order_by("id").first()
        )
        if user is None:
            raise CommandError("No admin user exists; pass --user USERNAME.")
        return user

    def _print(self, report: ImportReport) -> None:
        self.stdout.write(report.summary())
        for kind, names in report.unknown.items():
            self.stdout.write(f"Unknown {kind.replace('_', ' ')} ({len(names)}):")
            for name in names:
                self.stdout.write(f"  {name}")
        for p in report.problems:
            self.stdout.write(f"Row {p['row']}, {p['column']}: {p['message']}")
        if report.problem_count > len(report.problems):
            self.stdout.write(f"… and {report.problem_count - len(report.problems)} more problems.")
