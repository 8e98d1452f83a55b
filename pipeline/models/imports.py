"""Imports: a CSV import job and its progress."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ImportJob(models.Model):
    """One uploaded file on its way through mapping, checking and applying.

    The page of a job always shows where it is, so a user can leave a long import and come
    back to it; the heavy steps run as Celery tasks.
    """

    class Kind(models.TextChoices):
        DEALS = "deals", _("Deals")
        PEOPLE = "people", _("People")
        ORGANIZATIONS = "organizations", _("Organizations")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Map the columns")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        APPLYING = "applying", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("what"), max_length=16, choices=Kind, default=Kind.DEALS)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.UPLOADED)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    header = models.JSONField(_("columns"), default=list)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    rows_total = models.PositiveIntegerField(pgettext_lazy("import file", "rows"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.CASCADE,
        related_name="import_jobs",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            # "My imports": a user's jobs, newest first.
            models.Index(fields=["created_by", "-created_at"], name="pipeline_importjob_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.APPLYING)
