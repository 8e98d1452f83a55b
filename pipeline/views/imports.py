"""Import pages: upload → map columns → check (preview) → apply, with live progress."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh

from accounts.models import User
from pipeline.forms.imports import ImportMappingForm, ImportUploadForm
from pipeline.models import ImportJob, LostReason, Organization, Pipeline, Stage
from pipeline.services.imports import ImportOptions, ImportReport
from pipeline.services.imports import files as imports_files
from pipeline.services.imports import jobs as imports_jobs
from pipeline.services.imports.common import field_label, key, kind_label
from pipeline.services.imports.deals import new_stage_plan
from pipeline.services.imports.jobs import (
    MATCHABLE,
    import_job_can_change,
    import_job_configure,
    import_job_create,
    import_job_discard,
    import_job_get,
    import_job_is_stuck,
    import_job_list_visible,
    import_job_set_matches,
    import_job_start_apply,
    import_progress,
)
from shared.errors import NotAllowed, ServiceError
from shared.http import HtmxHttpRequest, refused_page

# What an import created, counted: "1 stage", "3 deals".
_COUNTED = {
    "pipelines": lambda n: ngettext("%(n)d pipeline", "%(n)d pipelines", n),
    "stages": lambda n: ngettext("%(n)d stage", "%(n)d stages", n),
    "owners": lambda n: ngettext("%(n)d owner", "%(n)d owners", n),
    "organizations": lambda n: ngettext("%(n)d organization", "%(n)d organizations", n),
    "people": lambda n: ngettext("%(n)d person", "%(n)d people", n),
    "lost_reasons": lambda n: ngettext("%(n)d lost reason", "%(n)d lost reasons", n),
    "deals": lambda n: ngettext("%(n)d deal", "%(n)d deals", n),
}


def _counted(kind: str, n: int) -> str:
    if kind in _COUNTED:
        return _COUNTED[kind](n) % {"n": n}
    return f"{n} {kind_label(kind)}"


def _job(request: HtmxHttpRequest, job_id: int) -> ImportJob:
    try:
        return import_job_get(actor=request.user, job_id=job_id)
    except ServiceError as exc:
        raise Http404(exc.message) from exc


class _UploadLimit(FileUploadHandler):
    """Stops reading an upload at the import limit instead of storing the whole body first
    (Django's own handlers would spool every byte to a temporary file)."""

    def __init__(self, request: HtmxHttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.request.import_upload_too_large = True  # type: ignore[union-attr]  # a flag for the view, which reads it with getattr
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


# Room for the form's other fields and the multipart boundaries around the file.
_FORM_OVERHEAD = 64 * 1024


@csrf_exempt  # the upload handler must be set before the CSRF check reads the body
@require_http_methods(["GET", "POST"])
@login_required
def import_list(request: HtmxHttpRequest) -> HttpResponse:
    limit = imports_jobs.MAX_UPLOAD_BYTES
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit + _FORM_OVERHEAD:
            # Refused before a byte of the body is read: nothing to protect from CSRF.
            return _import_list_page(request, ImportUploadForm(), too_large=True)
        handlers = list(request.upload_handlers)
        request.upload_handlers = [_UploadLimit(request, limit), *handlers]
    return _import_upload(request)


@csrf_protect
def _import_upload(request: HtmxHttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if getattr(request, "import_upload_too_large", False):
        return _import_list_page(request, ImportUploadForm(), too_large=True)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            return HttpResponseRedirect(reverse("pipeline:import_job", args=[job.pk]))
    return _import_list_page(request, form)


def _import_list_page(
    request: HtmxHttpRequest, form: ImportUploadForm, too_large: bool = False
) -> HttpResponse:
    context = {
        "form": form,
        "too_large": _("The file is larger than %(mb)d MB; split it and import the parts.")
        % {"mb": imports_jobs.MAX_UPLOAD_BYTES // (1024 * 1024)}
        if too_large
        else "",
        "jobs": import_job_list_visible(request.user)[:50],
        "others_too": request.user.is_admin or request.user.is_manager,
        "pipelines": Pipeline.objects.filter(is_active=True),
    }
    status = 413 if too_large else 400 if form.errors else 200
    return render(request, "pipeline/imports.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def import_job(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    form = ImportMappingForm(request.POST or None, job=job)
    if request.method == "POST" and form.is_valid():
        options = ImportOptions(
            number_format=form.cleaned_data["number_format"],
            create_missing=form.cleaned_data["create_missing"],
            pipeline=form.cleaned_data.get("pipeline") or None,
            date_format=form.cleaned_data.get("date_format") or "",
        )
        try:
            import_job_configure(
                job=job,
                actor=request.user,
                mapping=form.mapping(),
                options=options,
            )
        except NotAllowed as exc:
            return refused_page(request, exc, back=reverse("pipeline:import_job", args=[job.pk]))
        except ServiceError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("pipeline:import_job", args=[job.pk]))
    report = job.report or {}
    context = {
        "job": job,
        "can_change": import_job_can_change(job=job, actor=request.user),
        "form": form,
        "report": report,
        "unknown": [(kind_label(k), names) for k, names in (report.get("unknown") or {}).items()],
        "matchable": _matchable(job, report, request.user)
        if job.status == ImportJob.Status.CHECKED
        else [],
        "created": [_counted(k, n) for k, n in (report.get("created") or {}).items() if n],
        "progress": import_progress(job=job),
        "problems": [
            {**p, "column": field_label(p["column"]) if p.get("column") else ""}
            for p in report.get("problems") or []
        ],
        "retention_days": imports_files.FILE_RETENTION.days,
        "stuck": import_job_is_stuck(job=job),
    }
    return render(request, "pipeline/import_job.html", context, status=400 if form.errors else 200)


def _anchors(actor: User) -> dict[str, list[tuple[int, str]]]:
    """Per pipeline name (case-insensitive key): where an admin may put a new stage, as
    (0, "at the start") and (stage id, "after <stage>")."""
    if not actor.is_admin:
        return {}
    anchors: dict[str, list[tuple[int, str]]] = {}
    for stage in Stage.objects.select_related("pipeline").filter(is_active=True):
        places = anchors.setdefault(key(stage.pipeline.name), [(0, _("at the start"))])
        places.append((stage.pk, _("after %(stage)s") % {"stage": stage.name}))
    return anchors


def _matchable(job: ImportJob, report: dict, actor: User) -> list[dict]:
    """For the preview: each unknown owner, stage, lost reason or organization with the
    existing records it could mean (a deals import; at most 200 names per kind)."""
    if job.kind != ImportJob.Kind.DEALS:
        return []
    unknown = report.get("unknown") or {}
    choices = {
        "owners": lambda: [
            (u.pk, f"{u} ({u.username})") for u in User.objects.filter(is_active=True)
        ],
        "stages": lambda: [
            (st.pk, f"{st.pipeline.name} / {st.name}")
            for st in Stage.objects.select_related("pipeline").filter(is_active=True)
        ],
        "lost_reasons": lambda: [(r.pk, r.name) for r in LostReason.objects.all()],
        "organizations": lambda: [
            (o.pk, o.name) for o in Organization.objects.order_by("name")[:1000]
        ],
    }
    plan = new_stage_plan(
        report=ImportReport.from_dict(report), chosen=(job.options or {}).get("new_stages")
    )
    anchors = _anchors(actor) if unknown.get("stages") else {}
    groups = []
    for kind in MATCHABLE:
        names = unknown.get(kind) or []
        if names and len(names) <= 200:
            groups.append(
                {
                    "kind": kind,
                    "label": kind_label(kind),
                    "names": names,
                    # New stages in the order they would be created, each with where it may
                    # go among its pipeline's existing stages.
                    "rows": sorted(
                        [
                            (
                                name,
                                plan.get(name),
                                anchors.get(key(name.rpartition(" / ")[0]), []),
                            )
                            for name in names
                        ],
                        key=lambda row: row[1]["order"] if row[1] else 0,
                    ),
                    "choices": choices[kind](),
                }
            )
    return groups


@require_POST
@login_required
def import_matches(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    matches: dict[str, dict[str, str]] = {}
    for kind in MATCHABLE:
        names = request.POST.getlist(f"{kind}-name")
        targets = request.POST.getlist(f"{kind}-target")
        for name, target in zip(names, targets, strict=False):
            if target:
                matches.setdefault(kind, {})[name] = target
    new_stages = {}
    for name, order, probability, after in zip(
        request.POST.getlist("stages-name"),
        request.POST.getlist("stages-order"),
        request.POST.getlist("stages-probability"),
        request.POST.getlist("stages-after") or [""] * len(request.POST.getlist("stages-name")),
        strict=False,
    ):
        if order.isdigit() and probability.isdigit():
            new_stages[name] = {"order": int(order), "probability": int(probability)}
            if after.isdigit():
                new_stages[name]["after"] = int(after)
    return _job_action(
        request,
        job,
        import_job_set_matches,
        actor=request.user,
        matches=matches,
        new_stages=new_stages,
    )


def _job_action(
    request: HtmxHttpRequest, job: ImportJob, service: Callable[..., object], **kwargs: object
) -> HttpResponse:
    """Call one import-job service; back to the job's page with its refusal, if any."""
    back = reverse("pipeline:import_job", args=[job.pk])
    try:
        service(job=job, **kwargs)
    except NotAllowed as exc:
        return refused_page(request, exc, back=back)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(back)


@require_POST
@login_required
def import_apply(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    return _job_action(request, _job(request, job_id), import_job_start_apply, actor=request.user)


@require_POST
@login_required
def import_discard(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    return _job_action(request, _job(request, job_id), import_job_discard, actor=request.user)


@require_http_methods(["GET"])
@login_required
@vary_on_headers("HX-Request")
def import_progress_view(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    """Polled by the job page every second while a task runs; reloads it when done."""
    job = _job(request, job_id)
    if not job.is_running and request.htmx:
        return HttpResponseClientRefresh()
    return render(
        request,
        "pipeline/import_job.html#progress",
        {"job": job, "progress": import_progress(job=job)},
    )
