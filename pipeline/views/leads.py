"""The leads inbox (with the future pool), and parking deals from their page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pipeline import services
from pipeline.forms.deals import DealParkForm, VersionForm
from pipeline.forms.leads import ConvertForm, LeadFilterForm, LeadForm, ParkForm
from pipeline.models import Lead, Person
from pipeline.selectors.activities import owners_choosable
from pipeline.selectors.leads import (
    deal_list_parked,
    lead_counts,
    lead_get_visible,
    lead_list,
    lead_sources,
)
from pipeline.selectors.visibility import (
    deal_get_visible,
    organization_list_visible,
    person_list_visible,
)
from pipeline.services import leads as lead_services
from shared.dates import format_day
from shared.errors import DuplicateFound, ServiceError
from shared.http import HtmxHttpRequest, refused_page, valid_data
from shared.validation import is_id

PAGE_SIZE = 50


@require_GET
@login_required
def lead_inbox(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    f = LeadFilterForm(request.GET)
    f.is_valid()
    data = {k: (v or "") for k, v in f.cleaned_data.items()}
    view = data.get("view") or "inbox"
    qs = lead_list(
        user=user,
        view=view,
        q=data.get("q", ""),
        owner=data.get("owner", ""),
        source=data.get("source", ""),
    )
    query = {k: v for k, v in data.items() if v and k != "view"}
    context = {
        "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
        "view": view,
        "views": LeadFilterForm.VIEWS,
        "counts": lead_counts(user=user),
        "filters": data,
        "filter_query": urlencode(query),
        "owners": owners_choosable(user),
        "sources": lead_sources(user=user),
        "stage_choices": ConvertForm.stage_choices(),
        "suggested_park": ParkForm.suggested(),
        "today": timezone.localdate(),
    }
    if view == "parked":
        # Parked deals wait here too, not on the board (the 200 due back soonest).
        context["parked_deals"] = list(
            deal_list_parked(user=user, q=data.get("q", ""), owner=data.get("owner", ""))[:200]
        )
    return render(request, "pipeline/leads.html", context)


def _lead_form_page(
    request: HtmxHttpRequest, form: LeadForm, *, status: int = 200, **extra
) -> HttpResponse:  # noqa: ANN003
    return render(request, "pipeline/lead_form.html", {"form": form, **extra}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def lead_new(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    owners = owners_choosable(user)
    if request.method == "GET":
        initial: dict[str, Any] = {"owner": user.pk}
        visible: dict[str, QuerySet[Any]] = {
            "organization": organization_list_visible(user),
            "person": person_list_visible(user),
        }
        for key, qs in visible.items():
            raw = request.GET.get(key, "")
            if is_id(raw):
                found = qs.filter(pk=int(raw)).first()
                if found is not None:
                    initial[key] = found.pk
                    initial[f"new_{key}_name"] = found.name
        return _lead_form_page(request, LeadForm(initial=initial, owners=owners))
    form = LeadForm(request.POST, owners=owners)
    if not form.is_valid():
        return _lead_form_page(request, form, status=422)
    data = form.cleaned_data
    # A name that still equals the picked record's name means "use that record".
    org, person = data.get("organization"), data.get("person")
    try:
        lead = lead_services.lead_create(
            actor=user,
            title=data["title"],
            source=data["source"],
            organization=org,
            person=person,
            new_organization_name="" if org else data["new_organization_name"],
            new_person_name="" if person else data["new_person_name"],
            new_person_email=data["new_person_email"],
            owner=data.get("owner"),
            expected_value=data.get("expected_value") or 0,
            currency=data.get("currency") or None,
            notes=data["notes"],
        )
    except DuplicateFound as exc:
        return _lead_form_page(
            request,
            form,
            status=exc.status_code,
            duplicates=exc.existing,
            duplicate_message=exc.message,
            duplicate_kind="person" if isinstance(exc.existing[0], Person) else "organization",
        )
    except ServiceError as exc:
        form.add_error(None, exc.message)
        return _lead_form_page(request, form, status=exc.status_code)
    messages.success(request, _("Lead “%(t)s” is in the inbox.") % {"t": lead.title})
    return HttpResponseRedirect(reverse("pipeline:lead_inbox"))


def _lead(request: HtmxHttpRequest, lead_id: int) -> Lead:
    try:
        return lead_get_visible(request.user, lead_id)
    except ServiceError as exc:
        raise Http404(exc.message) from exc


def _back(request: HtmxHttpRequest) -> str:
    view = request.POST.get("view", "")
    url = reverse("pipeline:lead_inbox")
    return f"{url}?{urlencode({'view': view})}" if view in dict(LeadFilterForm.VIEWS) else url


@require_POST
@login_required
def lead_convert(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    form = ConvertForm(request.POST)
    back = _back(request)
    try:
        valid_data(form)
        deal = services.lead_convert(
            lead=lead,
            stage=form.cleaned_data["stage"],
            actor=request.user,
            title=form.cleaned_data["title"] or None,
            value=form.cleaned_data["value"],
        )
    except ServiceError as exc:
        return refused_page(request, exc, back)
    messages.success(
        request,
        _("“%(t)s” is now a deal in %(stage)s.") % {"t": deal.title, "stage": deal.stage.name},
    )
    return HttpResponseRedirect(reverse("pipeline:deal_detail", args=[deal.pk]))


@require_POST
@login_required
def lead_archive(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    back = _back(request)
    try:
        lead_services.lead_archive(lead=lead, actor=request.user)
    except ServiceError as exc:
        return refused_page(request, exc, back)
    messages.success(request, _("“%(t)s” is archived.") % {"t": lead.title})
    return HttpResponseRedirect(back)


@require_POST
@login_required
def lead_restore(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    back = _back(request)
    try:
        lead_services.lead_restore(lead=lead, actor=request.user)
    except ServiceError as exc:
        return refused_page(request, exc, back)
    messages.success(request, _("“%(t)s” is back in the inbox.") % {"t": lead.title})
    return HttpResponseRedirect(back)


@require_POST
@login_required
def lead_park(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    back = _back(request)
    form = ParkForm(request.POST)
    try:
        valid_data(form)
        until = form.cleaned_data["until"]
        lead_services.lead_park(lead=lead, actor=request.user, until=until)
    except ServiceError as exc:
        return refused_page(request, exc, back)
    messages.success(
        request,
        _("“%(t)s” waits in the future pool until %(d)s.")
        % {"t": lead.title, "d": format_day(until)},
    )
    return HttpResponseRedirect(back)


@require_POST
@login_required
def lead_unpark(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    back = _back(request)
    try:
        lead_services.lead_unpark(
            lead=lead, actor=request.user, today=timezone.localdate(), follow_up=False
        )
    except ServiceError as exc:
        return refused_page(request, exc, back)
    messages.success(request, _("“%(t)s” is back in the inbox.") % {"t": lead.title})
    return HttpResponseRedirect(back)


# --- Deals in the future pool ----------------------------------------------------------------


@require_POST
@login_required
def deal_park(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    try:
        deal = deal_get_visible(request.user, deal_id)
    except ServiceError as exc:
        raise Http404(exc.message) from exc
    url = reverse("pipeline:deal_detail", args=[deal.pk])
    form = DealParkForm(request.POST)
    try:
        valid_data(form)
        until = form.cleaned_data["until"]
        services.deal_park(
            deal=deal,
            until=until,
            expected_version=form.cleaned_data["version"],
            actor=request.user,
        )
    except ServiceError as exc:
        return refused_page(request, exc, url)
    messages.success(
        request,
        _("The deal leaves the board until %(d)s; it will come back with a follow-up task.")
        % {"d": format_day(until)},
    )
    return HttpResponseRedirect(url)


@require_POST
@login_required
def deal_unpark(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    try:
        deal = deal_get_visible(request.user, deal_id)
    except ServiceError as exc:
        raise Http404(exc.message) from exc
    url = reverse("pipeline:deal_detail", args=[deal.pk])
    form = VersionForm(request.POST)
    try:
        valid_data(form)
        services.deal_unpark(
            deal=deal, actor=request.user, expected_version=form.cleaned_data["version"]
        )
    except ServiceError as exc:
        return refused_page(request, exc, url)
    messages.success(request, _("The deal is back on the board."))
    return HttpResponseRedirect(url)
