"""`manage.py compilecatalogues`: compile locale/*/LC_MESSAGES/django.po into .mo files with
Babel, so no GNU gettext is needed. `make run` and `make test` call it."""

from django.core.management.base import BaseCommand

from shared.catalogues import compile_catalogues


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po → .mo) without GNU gettext."

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        written = compile_catalogues()
        self.stdout.write(f"{len(written)} catalogue(s) compiled.")
