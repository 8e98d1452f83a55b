from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharedConfig(AppConfig):
    """What every domain app uses and none owns: the error type services raise, the job outbox,
    money and currencies, dates and numbers as people type them, HTTP helpers."""

    name = "shared"
    verbose_name = _("Shared")
