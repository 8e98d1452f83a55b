"""One deal: its page (or the board's side panel), edits, and its activities."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from pipeline import services
from pipeline.forms.contacts import NoteForm
from pipeline.forms.deals import DealEditForm, VersionForm
from pipeline.models import Deal, LostReason, Stage
from pipeline.selectors.deals import deal_open_activities, deal_timeline
from pipeline.selectors.visibility import (
    deal_can_edit,
    deal_get_visible,
    organization_list_visible,
)
from shared.errors import RuleViolation, ServiceError
from shared.http import HtmxHttpRequest, form_errors_text, refused, refused_page, toast


def _get(request: HtmxHttpRequest, deal_id: int):  # noqa: ANN202
    try:
        return deal_get_visible(request.user, deal_id)
    except ServiceError as exc:
        raise Http404(exc.message) from exc


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def deal_detail(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    deal = _get(request, deal_id)
    user = request.user
    url = reverse("pipeline:deal_detail", args=[deal.pk])
    organizations = organization_list_visible(user)
    if request.method == "POST":
        form = DealEditForm(request.POST, deal=deal, organizations=organizations)
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                services.deal_update(
                    deal=deal,
                    expected_version=form.cleaned_data["version"],
                    actor=user,
                    changes=changes,
                )
            except ServiceError as exc:
                if request.htmx:
                    return refused(request, exc)
                messages.error(request, exc.message)
                return HttpResponseRedirect(url)
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(url)
        status = 422
    else:
        form = DealEditForm(deal=deal, organizations=organizations)
        status = 200
    return _render_detail(request, deal, form=form, status=status)


def _render_detail(
    request: HtmxHttpRequest,
    deal: Deal,
    *,
    form: DealEditForm | None = None,
    note_form: NoteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    context = {
        "deal": deal,
        "form": form or DealEditForm(deal=deal, organizations=organization_list_visible(user)),
        "note_form": note_form or NoteForm(),
        "can_edit": deal_can_edit(user, deal),
        "timeline": deal_timeline(deal=deal),
        "open_activities": deal_open_activities(deal=deal),
        "lost_reasons": LostReason.objects.filter(is_active=True),
        "stages": list(Stage.objects.filter(pipeline_id=deal.pipeline_id, is_active=True)),
        "panel": bool(request.htmx),
    }
    template = "pipeline/deal_detail.html#panel" if request.htmx else "pipeline/deal_detail.html"
    return render(request, template, context, status=status)


@require_POST
@login_required
@vary_on_headers("HX-Request")
def deal_note(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    """Add a note to the deal. htmx: the timeline section again (with an empty note box);
    a plain form: back to the deal page, or the page again with the text kept if refused."""
    deal = _get(request, deal_id)
    user = request.user
    form = NoteForm(request.POST)
    error: ServiceError | None = None
    if not form.is_valid():
        error = RuleViolation(form_errors_text(form))
    else:
        try:
            services.note_create(actor=user, body=form.cleaned_data["body"], deal=deal)
        except ServiceError as exc:
            error = exc
            form.add_error("body", exc.message)
    if error is not None:
        if request.htmx:
            return refused(request, error)
        if not deal_can_edit(user, deal):  # no note box to show the message next to
            return refused_page(request, error, reverse("pipeline:deal_detail", args=[deal.pk]))
        return _render_detail(request, deal, note_form=form, status=error.status_code)
    if request.htmx:
        timeline = render_to_string(
            "pipeline/deal_detail.html#timeline",
            {
                "deal": deal,
                "can_edit": deal_can_edit(user, deal),
                "note_form": NoteForm(),
                "timeline": deal_timeline(deal=deal),
            },
            request=request,
        )
        return HttpResponse(timeline + toast(request, _("Note added."), "success"))
    messages.success(request, _("Note added."))
    return HttpResponseRedirect(reverse("pipeline:deal_detail", args=[deal.pk]))


@require_POST
@login_required
def deal_reopen(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    deal = _get(request, deal_id)
    url = reverse("pipeline:deal_detail", args=[deal.pk])
    form = VersionForm(request.POST)
    if not form.is_valid():  # a real 422 page: bad input must not look like success
        return refused_page(request, RuleViolation(form_errors_text(form)), url)
    try:
        services.deal_reopen(
            deal=deal,
            expected_version=form.cleaned_data["version"],
            actor=request.user,
            source="form",
        )
    except ServiceError as exc:
        return refused(request, exc, fallback_url=url)
    messages.success(request, _("The deal is open again."))
    return HttpResponseRedirect(url)
