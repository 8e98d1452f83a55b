"""People and organizations: lists with search, create and edit pages, and detail pages with
their deals, activities, notes and a timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from pipeline.forms.contacts import NoteForm, OrganizationForm, PersonForm
from pipeline.models import Organization, Person
from pipeline.selectors.activities import owners_choosable
from pipeline.selectors.contacts import (
    organization_get_visible,
    organization_list,
    organization_page,
    person_get_visible,
    person_list,
    person_page,
)
from pipeline.services import contacts as contact_services
from shared.errors import DuplicateFound, ServiceError
from shared.http import HtmxHttpRequest, refused_page
from shared.validation import query_text

if TYPE_CHECKING:
    from accounts.models import User

PAGE_SIZE = 50


def _list(request: HtmxHttpRequest, *, kind: str, qs, template: str) -> HttpResponse:  # noqa: ANN001
    q = query_text(request.GET.get("q"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "q": q, "kind": kind, "q_query": urlencode({"q": q}) if q else ""}
    if request.htmx and request.htmx.target == "contact-list":
        return render(request, f"{template}#list", context)
    return render(request, template, context)


@require_GET
@login_required
@vary_on_headers("HX-Request")
def people(request: HtmxHttpRequest) -> HttpResponse:
    qs = person_list(user=request.user, q=query_text(request.GET.get("q")))
    return _list(request, kind="people", qs=qs, template="pipeline/contacts.html")


@require_GET
@login_required
@vary_on_headers("HX-Request")
def organizations(request: HtmxHttpRequest) -> HttpResponse:
    qs = organization_list(user=request.user, q=query_text(request.GET.get("q")))
    return _list(request, kind="organizations", qs=qs, template="pipeline/contacts.html")


def _form_page(
    request: HtmxHttpRequest,
    *,
    form,  # noqa: ANN001
    kind: str,
    obj: Person | Organization | None,
    duplicates: list | None = None,
    duplicate_message: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "pipeline/contact_form.html",
        {
            "form": form,
            "kind": kind,
            "obj": obj,
            "duplicates": duplicates or [],
            "duplicate_message": duplicate_message,
        },
        status=status,
    )


def _save_contact(
    request: HtmxHttpRequest, *, kind: str, obj: Person | Organization | None
) -> HttpResponse:
    user = request.user
    form_class = PersonForm if kind == "person" else OrganizationForm
    owners = owners_choosable(user)
    if request.method == "GET":
        return _form_page(
            request,
            form=form_class(initial=_initial(request, kind, obj), owners=owners),
            kind=kind,
            obj=obj,
        )
    form = form_class(request.POST, owners=owners)
    if not form.is_valid():
        return _form_page(request, form=form, kind=kind, obj=obj, status=422)
    allow = form.cleaned_data.get("allow_duplicate", False)
    try:
        saved = _contact_write(kind, obj, actor=user, values=form.values(), allow=allow)
    except DuplicateFound as exc:
        # A clear choice, not a silent merge: open the existing record, or save anyway.
        return _form_page(
            request,
            form=form,
            kind=kind,
            obj=obj,
            duplicates=exc.existing,
            duplicate_message=exc.message,
            status=exc.status_code,
        )
    except ServiceError as exc:
        form.add_error(None, exc.message)
        return _form_page(request, form=form, kind=kind, obj=obj, status=exc.status_code)
    messages.success(request, _("Saved “%(name)s”.") % {"name": saved.name})
    return HttpResponseRedirect(reverse(f"pipeline:{kind}_detail", args=[saved.pk]))


def _initial(
    request: HtmxHttpRequest, kind: str, obj: Person | Organization | None
) -> dict[str, Any]:
    """The form's first values: the contact's own, or for a new person the organization the
    page came from (`?organization=<id>`, if the user may see it)."""
    if isinstance(obj, Person):
        return PersonForm.initial_for(obj)
    if isinstance(obj, Organization):
        return OrganizationForm.initial_for(obj)
    initial: dict[str, Any] = {"owner": request.user.pk}
    if kind == "person" and request.GET.get("organization"):
        try:
            org = organization_get_visible(request.user, request.GET["organization"][:12])
        except ServiceError:
            org = None
        if org is not None:
            initial["organization_name"] = org.name
    return initial


def _contact_write(
    kind: str,
    obj: Person | Organization | None,
    *,
    actor: User,
    values: dict[str, Any],
    allow: bool,
) -> Person | Organization:
    """Create or update the contact through its service."""
    if isinstance(obj, Person):
        return contact_services.person_update(
            person=obj, actor=actor, changes=values, allow_duplicate=allow
        )
    if isinstance(obj, Organization):
        return contact_services.organization_update(
            organization=obj, actor=actor, changes=values, allow_duplicate=allow
        )
    if kind == "person":
        return contact_services.person_create(actor=actor, allow_duplicate=allow, **values)
    return contact_services.organization_create(actor=actor, allow_duplicate=allow, **values)


@require_http_methods(["GET", "POST"])
@login_required
def person_new(request: HtmxHttpRequest) -> HttpResponse:
    return _save_contact(request, kind="person", obj=None)


@require_http_methods(["GET", "POST"])
@login_required
def organization_new(request: HtmxHttpRequest) -> HttpResponse:
    return _save_contact(request, kind="organization", obj=None)


def _person(request: HtmxHttpRequest, person_id: int) -> Person:
    try:
        return person_get_visible(request.user, person_id)
    except ServiceError as exc:
        raise Http404(exc.message) from exc


def _organization(request: HtmxHttpRequest, organization_id: int) -> Organization:
    try:
        return organization_get_visible(request.user, organization_id)
    except ServiceError as exc:
        raise Http404(exc.message) from exc


@require_http_methods(["GET", "POST"])
@login_required
def person_edit(request: HtmxHttpRequest, person_id: int) -> HttpResponse:
    return _save_contact(request, kind="person", obj=_person(request, person_id))


@require_http_methods(["GET", "POST"])
@login_required
def organization_edit(request: HtmxHttpRequest, organization_id: int) -> HttpResponse:
    return _save_contact(request, kind="organization", obj=_organization(request, organization_id))


def _detail(
    request: HtmxHttpRequest, *, kind: str, obj: Person | Organization, page
) -> HttpResponse:  # noqa: ANN001
    user = request.user
    context = {
        "kind": kind,
        "obj": obj,
        "deals": page.deals,
        "open_activities": page.open_activities,
        "timeline": page.timeline,
        # Managers may plan for their reps; a rep's activities are their own.
        "assign_owners": owners_choosable(user) if (user.is_manager or user.is_admin) else None,
        "note_form": NoteForm(),
        "here": request.get_full_path(),
    }
    if isinstance(obj, Organization):
        context["people"] = list(obj.people.order_by("name"))
    return render(request, "pipeline/contact_detail.html", context)


@require_GET
@login_required
def person_detail(request: HtmxHttpRequest, person_id: int) -> HttpResponse:
    person = _person(request, person_id)
    return _detail(
        request, kind="person", obj=person, page=person_page(user=request.user, person=person)
    )


@require_GET
@login_required
def organization_detail(request: HtmxHttpRequest, organization_id: int) -> HttpResponse:
    org = _organization(request, organization_id)
    return _detail(
        request,
        kind="organization",
        obj=org,
        page=organization_page(user=request.user, organization=org),
    )


@require_POST
@login_required
def contact_note(request: HtmxHttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in ("person", "organization"):
        raise Http404(_("Notes belong to a person or an organization."))
    if kind == "person":
        obj: Person | Organization = _person(request, pk)
        url = reverse("pipeline:person_detail", args=[pk])
        about: dict[str, Any] = {"person": obj}
    else:
        obj = _organization(request, pk)
        url = reverse("pipeline:organization_detail", args=[pk])
        about = {"organization": obj}
    form = NoteForm(request.POST)
    try:
        if not form.is_valid():
            from shared.errors import RuleViolation

            raise RuleViolation(_("Write something in the note (at most 10,000 characters)."))
        contact_services.note_create(actor=request.user, body=form.cleaned_data["body"], **about)
    except ServiceError as exc:
        return refused_page(request, exc, url)
    messages.success(request, _("Note added."))
    return HttpResponseRedirect(url)
