"""Uploaded import files: how many bytes a user keeps waiting, and deleting old ones.

A file is deleted as soon as its rows are imported (import_job_run_apply) or discarded by its
uploader (import_job_discard); the nightly purge_import_files task deletes the rest after
FILE_RETENTION.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import ngettext

from accounts.models import User
from pipeline.models import ImportJob

# Files waiting to be imported, per user: an upload that would pass this is refused.
USER_STORED_BYTES = 1024 * 1024 * 1024
# A file is deleted once imported, or this long after its job last changed.
FILE_RETENTION = datetime.timedelta(days=7)


def import_files_stored_bytes(*, actor: User) -> int:
    """Bytes of `actor`'s uploaded files still kept (waiting to be checked or imported)."""
    total = 0
    for job in ImportJob.objects.filter(created_by=actor).exclude(file=""):
        try:
            total += job.file.size
        except OSError:  # already gone from the storage
            continue
    return total


def import_files_purge(*, now: datetime.datetime) -> int:
    """Delete the files of imports not touched for FILE_RETENTION; a job that was not
    imported says why its file is gone. Returns how many.

    A job still "checking" or "importing" after a week lost its task long ago (a task runs
    for 30 minutes at most), so it is treated like any other."""
    stale = ImportJob.objects.filter(updated_at__lt=now - FILE_RETENTION).exclude(file="")
    purged = 0
    for job in stale.iterator():
        fields: dict[str, Any] = {"file": ""}
        if job.status != ImportJob.Status.DONE:
            fields.update(
                status=ImportJob.Status.FAILED,
                error=ngettext(
                    "The file was deleted after %(days)d day without being imported; "
                    "upload it again to import it.",
                    "The file was deleted after %(days)d days without being imported; "
                    "upload it again to import it.",
                    FILE_RETENTION.days,
                )
                % {"days": FILE_RETENTION.days},
            )
        # Only if nobody touched the job meanwhile (a user starting a check right now).
        changed = ImportJob.objects.filter(
            pk=job.pk, updated_at=job.updated_at, file=job.file.name
        ).update(**fields)
        if changed:
            job.file.storage.delete(job.file.name)
            purged += 1
    return purged
