"""Imports from the UI: an ImportJob goes upload → map → check → apply.

Checking and applying run in Celery tasks (queued through the outbox, `job_enqueue`); their
progress goes to the cache, because the apply step writes inside one transaction that a
progress row in the database would not show until it commits.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any, BinaryIO, cast

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from pipeline.models import ImportJob
from pipeline.selectors.visibility import owner_ids_editable
from pipeline.services.imports import IMPORTERS, ImportOptions, ImportRefused, ImportReport, files
from pipeline.services.imports.common import column_index
from pipeline.services.imports.csvfiles import CsvFormatError, csv_detect
from pipeline.services.imports.files import import_files_stored_bytes
from shared.errors import NotAllowed, NotVisible, RuleViolation
from shared.jobs import job_enqueue
from shared.validation import clean_text, is_id

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
# A check or import that has not moved for longer than its task may run (time_limit in
# pipeline/tasks.py, plus a margin) lost its task: the user may start it again.
STUCK_AFTER = datetime.timedelta(seconds=1800 + 300)


def import_job_is_stuck(*, job: ImportJob) -> bool:
    return job.is_running and job.updated_at < timezone.now() - STUCK_AFTER


PROGRESS_TTL = 24 * 3600


def _progress_key(job_id: int) -> str:
    return f"stagecoach:import-progress:{job_id}"


def import_progress(*, job: ImportJob) -> dict[str, Any]:
    """{'phase': 'checking'|'importing', 'rows': n, 'total': N} while a task runs."""
    data = cache.get(_progress_key(job.pk)) or {}
    return {"phase": data.get("phase", ""), "rows": data.get("rows", 0), "total": job.rows_total}


def import_job_list_visible(actor: User) -> QuerySet[ImportJob]:
    """The imports `actor` may follow: their own; a manager's also their team's (what enters
    the team's book is the manager's business); an admin's all of them."""
    owners = owner_ids_editable(actor)
    jobs = ImportJob.objects.select_related("created_by").order_by("-created_at", "-id")
    return jobs if owners is None else jobs.filter(created_by_id__in=owners)


def import_job_get(*, actor: User, job_id: int) -> ImportJob:
    """One visible import (`import_job_list_visible`); 404 for the others."""
    try:
        return import_job_list_visible(actor).get(pk=job_id)
    except ImportJob.DoesNotExist as exc:
        raise NotVisible(_("This import does not exist or is not yours.")) from exc


def import_job_can_change(*, job: ImportJob, actor: User) -> bool:
    """Mapping, matching and applying stay with the uploader (the import runs with their
    rights) or an admin; a manager follows a rep's import without changing it."""
    return actor.is_admin or job.created_by_id == actor.pk


def _check_change(job: ImportJob, actor: User) -> None:
    if not import_job_can_change(job=job, actor=actor):
        raise NotAllowed(
            _("Only %(name)s, who uploaded this file, or an admin can change or apply it.")
            % {"name": job.created_by.get_full_name() or job.created_by.username}
        )


def _count_lines(upload: UploadedFile) -> int:
    """Lines in the file, for the progress bar (counted in C: a 200 MB file in a blink)."""
    upload.seek(0)
    lines, last = 0, b""
    for chunk in upload.chunks():
        lines += chunk.count(b"\n")
        last = chunk[-1:] or last
    upload.seek(0)
    return lines + (1 if last and last != b"\n" else 0)


@transaction.atomic
def import_job_create(*, actor: User, kind: str, upload: UploadedFile) -> ImportJob:
    """Store the file and read its header; refuses what is not a readable CSV."""
    if kind not in IMPORTERS:
        raise RuleViolation(_("Choose what the file contains."))
    if upload.size and upload.size > MAX_UPLOAD_BYTES:
        raise RuleViolation(_("The file is larger than 200 MB; split it and import the parts."))
    stored = import_files_stored_bytes(actor=actor)
    if stored + (upload.size or 0) > files.USER_STORED_BYTES:
        raise RuleViolation(
            ngettext(
                "Your files waiting to be imported take %(used)d MB of the %(quota)d MB "
                "allowed. Import them or delete their files first (each is deleted once "
                "imported, or after %(days)d day).",
                "Your files waiting to be imported take %(used)d MB of the %(quota)d MB "
                "allowed. Import them or delete their files first (each is deleted once "
                "imported, or after %(days)d days).",
                files.FILE_RETENTION.days,
            )
            % {
                "used": stored // (1024 * 1024),
                "quota": files.USER_STORED_BYTES // (1024 * 1024),
                "days": files.FILE_RETENTION.days,
            }
        )
    try:
        # An upload reads and seeks like the binary file csv_detect takes.
        fmt = csv_detect(cast(BinaryIO, upload))
    except CsvFormatError as exc:
        raise RuleViolation(str(exc)) from exc
    rows = max(_count_lines(upload) - 1, 0)
    columns, _preview, _apply = IMPORTERS[kind]
    index = column_index(fmt.header, columns, None, kind)
    now = timezone.now()
    job = ImportJob(
        kind=kind,
        original_name=clean_text(upload.name or "import.csv")[:255],
        header=fmt.header,
        mapping={field: fmt.header[i] for field, i in index.items()},
        options=ImportOptions().as_dict(),
        rows_total=rows,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    job.file.save(f"{kind}-{now:%Y%m%d-%H%M%S}.csv", upload, save=False)
    job.save()
    return job


def _enqueue(task_name: str, job_id: int) -> None:
    # Through the outbox, in the caller's transaction: while the broker is away the job waits
    # in its status ("checking", "importing") and runs once the broker is back.
    job_enqueue(f"pipeline.tasks.{task_name}", label=_("The import"), args=[job_id])


@transaction.atomic
def import_job_configure(
    *, job: ImportJob, actor: User, mapping: dict[str, str], options: ImportOptions
) -> ImportJob:
    """Save the column mapping and options, and start checking the file."""
    _check_change(job, actor)
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if (locked.is_running and not import_job_is_stuck(job=locked)) or (
        locked.status == ImportJob.Status.DONE
    ):
        raise RuleViolation(
            _("This import is %(status)s.") % {"status": locked.get_status_display()}
        )
    if not locked.file:
        raise RuleViolation(_("The file of this import was deleted; upload it again."))
    columns = IMPORTERS[locked.kind][0]
    unknown = {c for c in mapping.values() if c and c not in locked.header}
    if unknown or set(mapping) - set(columns):
        raise RuleViolation(_("The mapping names columns the file does not have."))
    required = "title" if locked.kind == ImportJob.Kind.DEALS else "name"
    if not mapping.get(required):
        raise RuleViolation(_("Choose the column holding the %(field)s.") % {"field": required})
    locked.mapping = {k: v for k, v in mapping.items() if v}
    # Matches chosen in an earlier preview still hold for the same names.
    matches = options.matches or (locked.options or {}).get("matches") or {}
    new_stages = options.new_stages or (locked.options or {}).get("new_stages") or {}
    locked.options = {
        **options.as_dict(),
        "mapping": None,
        "matches": matches,
        "new_stages": new_stages,
    }
    locked.status = ImportJob.Status.CHECKING
    locked.report = {}
    locked.error = ""
    locked.updated_at = timezone.now()
    locked.save()
    cache.delete(_progress_key(locked.pk))
    _enqueue("check_import", locked.pk)
    return locked


MATCHABLE = ("owners", "stages", "lost_reasons", "organizations")


@transaction.atomic
def import_job_set_matches(
    *,
    job: ImportJob,
    actor: User,
    matches: dict[str, dict[str, str]],
    new_stages: dict[str, dict[str, int]] | None = None,
) -> ImportJob:
    """Record which existing record each unknown name means, and the order and win
    probability of the stages to be created; check the file again."""
    _check_change(job, actor)
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status != ImportJob.Status.CHECKED or locked.kind != ImportJob.Kind.DEALS:
        raise RuleViolation(_("Names can be matched after checking a deals file."))
    unknown = (locked.report or {}).get("unknown") or {}
    options = dict(locked.options or {})
    kept = {k: dict(v) for k, v in (options.get("matches") or {}).items()}
    for kind, chosen in matches.items():
        if kind not in MATCHABLE:
            continue
        for name, target in chosen.items():
            if name in unknown.get(kind, []) and is_id(target):
                kept.setdefault(kind, {})[name] = str(target)
    options["matches"] = kept
    stages = dict(options.get("new_stages") or {})
    for label, plan in (new_stages or {}).items():
        if label in unknown.get("stages", []):
            stages[label] = {
                "order": max(1, min(int(plan["order"]), 1000)),
                "probability": max(0, min(int(plan["probability"]), 100)),
            }
            # Placing a stage among existing ones reorders the pipeline: an admin's choice.
            if "after" in plan and actor.is_admin:
                stages[label]["after"] = int(plan["after"])
    options["new_stages"] = stages
    locked.options = options
    locked.status = ImportJob.Status.CHECKING
    locked.updated_at = timezone.now()
    locked.save(update_fields=["options", "status", "updated_at"])
    cache.delete(_progress_key(locked.pk))
    _enqueue("check_import", locked.pk)
    return locked


@transaction.atomic
def import_job_start_apply(*, job: ImportJob, actor: User) -> ImportJob:
    _check_change(job, actor)
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status != ImportJob.Status.CHECKED:
        raise RuleViolation(_("Check the file before importing it."))
    options = _options(locked)
    report = locked.report or {}
    if report.get("problem_count") or (report.get("unknown") and not options.create_missing):
        raise RuleViolation(_("Fix the problems listed first, or allow creating missing items."))
    if report.get("date_order_needed"):
        raise RuleViolation(_("Choose how the file writes dates such as 03/04/2027 first."))
    locked.status = ImportJob.Status.APPLYING
    locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "updated_at"])
    cache.delete(_progress_key(locked.pk))
    _enqueue("apply_import", locked.pk)
    return locked


def _options(job: ImportJob) -> ImportOptions:
    options = ImportOptions.from_dict(job.options or {})
    options.mapping = dict(job.mapping)
    return options


def _progress_writer(job_id: int):  # noqa: ANN202
    def write(phase: str, rows: int) -> None:
        cache.set(_progress_key(job_id), {"phase": phase, "rows": rows}, PROGRESS_TTL)

    return write


def _unexpected(exc: Exception) -> str:
    return _(
        "The import stopped on an unexpected error (%(error)s); nothing was imported. Check "
        "the file again, or upload a corrected file."
    ) % {"error": type(exc).__name__}


def _fail(job_id: int, running: str, error: str) -> str:
    """Mark a job that was `running` as failed with `error`: the user can map and check it
    again (or upload a corrected file); a failed job never blocks anything."""
    ImportJob.objects.filter(pk=job_id, status=running).update(
        status=ImportJob.Status.FAILED, error=error, updated_at=timezone.now()
    )
    return ImportJob.objects.get(pk=job_id).status


def import_job_run_check(*, job_id: int) -> str:
    """The task's body: preview the file and store the report. Safe to run twice."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJob.Status.CHECKING:
        return job.status
    _columns, preview, _apply = IMPORTERS[job.kind]
    try:
        with job.file.open("rb") as fh:
            report = preview(
                source=fh,
                actor=job.created_by,
                options=_options(job),
                progress=_progress_writer(job.pk),
            )
    except CsvFormatError as exc:
        return _fail(job.pk, ImportJob.Status.CHECKING, str(exc))
    except Exception as exc:  # any failure must leave the job restartable
        logger.exception("checking import %s failed", job.pk)
        return _fail(job.pk, ImportJob.Status.CHECKING, _unexpected(exc))
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKING).update(
        status=ImportJob.Status.CHECKED, report=report.as_dict(), updated_at=timezone.now()
    )
    return ImportJob.Status.CHECKED


class _AppliedElsewhere(Exception):
    """Another delivery of the same task marked the job done first: undo this one's rows."""


def import_job_run_apply(*, job_id: int) -> str:
    """The task's body: apply all or nothing, and mark the job done in the same transaction.

    Rows and the "done" status commit together, so whenever a worker dies the job is either
    still "applying" with nothing written (the re-delivered task imports the file from the
    start) or "done" with every row (the re-delivered task returns at once). Two deliveries
    running at once (a visibility timeout shorter than the import) meet on the job row: the
    second's conditional update finds the job done and its transaction is rolled back."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJob.Status.APPLYING:
        return job.status
    _columns, _preview, apply = IMPORTERS[job.kind]

    def finish(report: ImportReport) -> None:
        done = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.APPLYING).update(
            status=ImportJob.Status.DONE,
            report=report.as_dict(),
            file="",
            updated_at=timezone.now(),
        )
        if not done:
            raise _AppliedElsewhere
        # Imported: the rows are in the database, the file is no longer needed.
        name = job.file.name
        transaction.on_commit(lambda: job.file.storage.delete(name))

    try:
        with job.file.open("rb") as fh:
            apply(
                source=fh,
                actor=job.created_by,
                options=_options(job),
                progress=_progress_writer(job.pk),
                finish=finish,
            )
    except _AppliedElsewhere:
        return ImportJob.objects.get(pk=job.pk).status
    except ImportRefused as exc:
        # The data changed since the check (someone added a row, an owner left): show why.
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.APPLYING).update(
            status=ImportJob.Status.CHECKED,
            report=exc.report.as_dict(),
            updated_at=timezone.now(),
        )
        return ImportJob.objects.get(pk=job.pk).status
    except CsvFormatError as exc:
        return _fail(job.pk, ImportJob.Status.APPLYING, str(exc))
    except Exception as exc:  # nothing was written (one transaction): say so
        logger.exception("applying import %s failed", job.pk)
        return _fail(job.pk, ImportJob.Status.APPLYING, _unexpected(exc))
    return ImportJob.Status.DONE


def import_job_discard(*, job: ImportJob, actor: User) -> ImportJob:
    """Delete the file of an import that will not be applied (frees the user's quota)."""
    _check_change(job, actor)
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.is_running and not import_job_is_stuck(job=locked):
            raise RuleViolation(
                _("This import is %(status)s.") % {"status": locked.get_status_display()}
            )
        name = locked.file.name
        locked.file = ""
        if locked.status != ImportJob.Status.DONE:
            locked.status = ImportJob.Status.FAILED
            locked.error = _("The file was deleted; upload it again to import it.")
        locked.updated_at = timezone.now()
        locked.save(update_fields=["file", "status", "error", "updated_at"])
        if name:
            transaction.on_commit(lambda: locked.file.storage.delete(name))
    return locked
