"""Admin settings in the product: pipelines, stages and lost reasons."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.decorators import admin_required
from pipeline.forms.stages import (
    NameForm,
    PipelineCreateForm,
    StageArchiveForm,
    StageForm,
    StageOrderForm,
    StageStepForm,
)
from pipeline.models import Deal, LostReason, Pipeline, Stage
from pipeline.services import stages as config
from shared.errors import ServiceError
from shared.http import HtmxHttpRequest, form_write, toast, valid_data

PIPELINE_PAGE = "pipeline/settings/pipeline.html"


# --- Pipelines --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@admin_required
def pipeline_list(request: HtmxHttpRequest) -> HttpResponse:
    form = PipelineCreateForm(request.POST if request.method == "POST" else None)
    pipeline, status = form_write(
        request,
        form,
        lambda data: config.pipeline_create(
            name=data["name"], stage_names=data["stage_names"], actor=request.user
        ),
    )
    if pipeline is not None:
        messages.success(request, _("Pipeline %(name)s created.") % {"name": pipeline.name})
        return HttpResponseRedirect(reverse("pipeline:settings_pipeline", args=[pipeline.pk]))
    pipelines = list(Pipeline.objects.order_by("-is_active", "position", "id"))
    # Two grouped counts rather than one query joining stages and deals (rows would multiply).
    stage_counts = dict(
        Stage.objects.filter(is_active=True)
        .values_list("pipeline_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    deal_counts = dict(
        Deal.objects.filter(status=Deal.Status.OPEN)
        .values_list("pipeline_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for p in pipelines:
        p.stage_count = stage_counts.get(p.pk, 0)  # type: ignore[attr-defined]  # for the template
        p.open_deals = deal_counts.get(p.pk, 0)  # type: ignore[attr-defined]  # for the template
    return render(
        request,
        "pipeline/settings/pipeline_list.html",
        {"pipelines": pipelines, "form": form, "tab": "pipelines"},
        status=status,
    )


def _stage_rows(pipeline: Pipeline) -> list[Stage]:
    """The pipeline's stages with how many deals each holds (one query)."""
    rows: list[Stage] = list(
        Stage.objects.filter(pipeline=pipeline)
        .annotate(
            open_deals=Count("deals", filter=Q(deals__status=Deal.Status.OPEN)),
            all_deals=Count("deals"),
        )
        .order_by("position", "id")
    )
    labels = dict(Stage.Requirement.choices)
    for stage in rows:
        stage.requirement_labels = [  # type: ignore[attr-defined]  # for the template
            labels[code] for code in stage.requirements or [] if code in labels
        ]
    return rows


def _pipeline_context(pipeline: Pipeline, **extra: object) -> dict:
    rows = _stage_rows(pipeline)
    return {
        "pipeline": pipeline,
        "active_stages": [s for s in rows if s.is_active],
        "archived_stages": [s for s in rows if not s.is_active],
        "rename_form": NameForm(initial={"name": pipeline.name}),
        "stage_form": StageForm(),
        "tab": "pipelines",
        **extra,
    }


@require_http_methods(["GET", "POST"])
@admin_required
def pipeline_detail(request: HtmxHttpRequest, pipeline_id: int) -> HttpResponse:
    """The stage editor; a POST renames the pipeline."""
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    url = reverse("pipeline:settings_pipeline", args=[pipeline.pk])
    if request.method == "POST":
        form = NameForm(request.POST)
        try:
            valid_data(form)
            config.pipeline_rename(
                pipeline=pipeline, name=form.cleaned_data["name"], actor=request.user
            )
        except ServiceError as exc:
            context = _pipeline_context(pipeline, rename_form=form, rename_error=exc.message)
            return render(request, PIPELINE_PAGE, context, status=exc.status_code)
        messages.success(request, _("Renamed to %(name)s.") % {"name": pipeline.name})
        return HttpResponseRedirect(url)
    return render(request, PIPELINE_PAGE, _pipeline_context(pipeline))


@require_POST
@admin_required
def pipeline_archive(request: HtmxHttpRequest, pipeline_id: int) -> HttpResponse:
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    restore = request.POST.get("restore") == "1"
    try:
        if restore:
            config.pipeline_restore(pipeline=pipeline, actor=request.user)
            messages.success(request, _("%(name)s is back on the board.") % {"name": pipeline})
        else:
            config.pipeline_archive(pipeline=pipeline, actor=request.user)
            messages.success(
                request,
                _("%(name)s is archived. Its deals and history are kept; restore it any time.")
                % {"name": pipeline},
            )
    except ServiceError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("pipeline:settings_pipelines"))


# --- Stages -----------------------------------------------------------------------------------


def _stage_list_response(
    request: HtmxHttpRequest, pipeline: Pipeline, *, message: str = "", status: int = 200
) -> HttpResponse:
    """The stage list fragment (true order from the database), plus a toast when refused."""
    html: str = render_to_string(
        f"{PIPELINE_PAGE}#stage_list", _pipeline_context(pipeline), request=request
    )
    if message:
        html += toast(request, message, "error" if status >= 400 else "success")
    return HttpResponse(html, status=status)


@require_POST
@admin_required
def stage_add(request: HtmxHttpRequest, pipeline_id: int) -> HttpResponse:
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    form = StageForm(request.POST)
    try:
        valid_data(form)
        stage = config.stage_create(pipeline=pipeline, actor=request.user, **form.cleaned_data)
    except ServiceError as exc:
        context = _pipeline_context(pipeline, stage_form=form, stage_error=exc.message)
        return render(request, PIPELINE_PAGE, context, status=exc.status_code)
    messages.success(request, _("Stage %(name)s added.") % {"name": stage.name})
    return HttpResponseRedirect(reverse("pipeline:settings_pipeline", args=[pipeline.pk]))


@require_POST
@admin_required
def stage_reorder(request: HtmxHttpRequest, pipeline_id: int) -> HttpResponse:
    """Drag-and-drop posts the whole new order; the answer is the list as now stored."""
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    form = StageOrderForm(request.POST)
    try:
        valid_data(form)
        config.stage_reorder(
            pipeline=pipeline, stage_ids=form.cleaned_data["order"], actor=request.user
        )
    except ServiceError as exc:
        if request.htmx:
            return _stage_list_response(
                request, pipeline, message=exc.message, status=exc.status_code
            )
        messages.error(request, exc.message)
    if request.htmx:
        return _stage_list_response(request, pipeline)
    return HttpResponseRedirect(reverse("pipeline:settings_pipeline", args=[pipeline.pk]))


@require_POST
@admin_required
@vary_on_headers("HX-Request")
def stage_step(request: HtmxHttpRequest, stage_id: int) -> HttpResponse:
    """The keyboard alternative to dragging: one place up or down."""
    stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=stage_id)
    form = StageStepForm(request.POST)
    try:
        valid_data(form)
        offset = -1 if form.cleaned_data["direction"] == "up" else 1
        config.stage_move_step(stage=stage, offset=offset, actor=request.user)
    except ServiceError as exc:
        if request.htmx:
            return _stage_list_response(
                request, stage.pipeline, message=exc.message, status=exc.status_code
            )
        messages.error(request, exc.message)
    if request.htmx:
        return _stage_list_response(request, stage.pipeline)
    return HttpResponseRedirect(reverse("pipeline:settings_pipeline", args=[stage.pipeline_id]))


@require_http_methods(["GET", "POST"])
@admin_required
def stage_edit(request: HtmxHttpRequest, stage_id: int) -> HttpResponse:
    stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=stage_id)
    initial = {
        "name": stage.name,
        "win_probability": stage.win_probability,
        "rotting_days": stage.rotting_days,
        "definition_of_done": stage.definition_of_done,
        "requirements": stage.requirements,
        "is_moment_of_truth": stage.is_moment_of_truth,
    }
    form = StageForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                config.stage_update(stage=stage, actor=request.user, changes=form.cleaned_data)
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, _("Saved stage %(name)s.") % {"name": stage.name})
                return HttpResponseRedirect(
                    reverse("pipeline:settings_pipeline", args=[stage.pipeline_id])
                )
        else:
            status = 422
    mot = (
        Stage.objects.filter(pipeline_id=stage.pipeline_id, is_moment_of_truth=True)
        .exclude(pk=stage.pk)
        .first()
    )
    return render(
        request,
        "pipeline/settings/stage_edit.html",
        {"stage": stage, "form": form, "other_moment_of_truth": mot, "tab": "pipelines"},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@admin_required
def stage_archive(request: HtmxHttpRequest, stage_id: int) -> HttpResponse:
    """Asks where the stage's deals go (if it has any), then archives it."""
    stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=stage_id)
    form = StageArchiveForm(request.POST if request.method == "POST" else None, stage=stage)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = config.stage_archive(
                    stage=stage,
                    move_deals_to=form.cleaned_data["move_deals_to"],
                    actor=request.user,
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                moved = result.moved_open + result.moved_closed
                if moved:
                    text = ngettext(
                        "Stage %(stage)s is archived; its %(n)d deal moved to %(to)s.",
                        "Stage %(stage)s is archived; its %(n)d deals moved to %(to)s.",
                        moved,
                    ) % {
                        "stage": stage.name,
                        "n": moved,
                        "to": form.cleaned_data["move_deals_to"],
                    }
                else:
                    text = _("Stage %(stage)s is archived.") % {"stage": stage.name}
                messages.success(request, text)
                return HttpResponseRedirect(
                    reverse("pipeline:settings_pipeline", args=[stage.pipeline_id])
                )
        else:
            status = 422
    counts = Deal.objects.filter(stage=stage).aggregate(
        open=Count("id", filter=Q(status=Deal.Status.OPEN)),
        won=Count("id", filter=Q(status=Deal.Status.WON)),
        lost=Count("id", filter=Q(status=Deal.Status.LOST)),
    )
    return render(
        request,
        "pipeline/settings/stage_archive.html",
        {
            "stage": stage,
            "form": form,
            "counts": counts,
            "total": sum(counts.values()),
            "tab": "pipelines",
        },
        status=status,
    )


@require_POST
@admin_required
def stage_restore(request: HtmxHttpRequest, stage_id: int) -> HttpResponse:
    stage = get_object_or_404(Stage, pk=stage_id)
    try:
        config.stage_restore(stage=stage, actor=request.user)
        messages.success(
            request, _("Stage %(name)s is back, at the end of the pipeline.") % {"name": stage}
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("pipeline:settings_pipeline", args=[stage.pipeline_id]))


# --- Lost reasons -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@admin_required
def lost_reason_list(request: HtmxHttpRequest) -> HttpResponse:
    form = NameForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                reason = config.lost_reason_create(
                    name=form.cleaned_data["name"], actor=request.user
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, _("Lost reason %(name)s added.") % {"name": reason})
                return HttpResponseRedirect(reverse("pipeline:settings_lost_reasons"))
        else:
            status = 422
    reasons = LostReason.objects.annotate(deal_count=Count("deals")).order_by(
        "-is_active", "position", "name"
    )
    return render(
        request,
        "pipeline/settings/lost_reasons.html",
        {"reasons": reasons, "form": form, "tab": "lost_reasons"},
        status=status,
    )


@require_POST
@admin_required
def lost_reason_edit(request: HtmxHttpRequest, reason_id: int) -> HttpResponse:
    """Rename, archive (`action=archive`) or restore (`action=restore`) a lost reason."""
    reason = get_object_or_404(LostReason, pk=reason_id)
    action = request.POST.get("action", "rename")
    actor = request.user
    try:
        if action == "archive":
            config.lost_reason_archive(reason=reason, actor=actor)
            text = _("%(name)s is no longer offered; deals lost for it keep it.")
        elif action == "restore":
            config.lost_reason_restore(reason=reason, actor=actor)
            text = _("%(name)s is offered again.")
        else:
            form = NameForm(request.POST)
            valid_data(form)
            config.lost_reason_update(reason=reason, name=form.cleaned_data["name"], actor=actor)
            text = _("Renamed to %(name)s.")
        messages.success(request, text % {"name": reason.name})
    except ServiceError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("pipeline:settings_lost_reasons"))
