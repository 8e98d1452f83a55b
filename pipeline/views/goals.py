"""The goals page: everyone sees the goals that concern them with this period's progress;
managers set their reps' and team's goals, admins anyone's and the company's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from pipeline.forms.goals import GoalForm
from pipeline.models import Goal
from pipeline.selectors.goals import goal_can_edit, goal_list_visible, goal_list_with_progress
from pipeline.selectors.visibility import owner_ids_editable
from pipeline.services import goals as goal_services
from pipeline.services.goals import GoalInvalid
from shared.errors import NotAllowed, ServiceError
from shared.http import AuthedHttpRequest

# Service fields whose messages belong beside another form field.
_FIELD_OF = {"owner": "assignee", "team": "assignee"}


def _can_set_goals(user: User) -> bool:
    return user.is_admin or user.is_manager


def _goal(user: User, goal_id: int) -> Goal:
    goal = (
        goal_list_visible(user).select_related("team", "owner", "stage").filter(pk=goal_id).first()
    )
    if goal is None:
        raise Http404(_("This goal does not exist or you may not see it."))
    return goal


@require_GET
@login_required
def goal_list(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    show_ended = request.GET.get("ended") == "1"
    rows = goal_list_with_progress(user=user, include_ended=show_ended)
    editable = owner_ids_editable(user) or [] if user.is_manager else []
    for row in rows:
        row.can_edit = goal_can_edit(user, row.goal, editable=editable)  # type: ignore[attr-defined]  # for the template
    context = {
        "rows": rows,
        "can_set": _can_set_goals(user),
        "show_ended": show_ended,
        "today": timezone.localdate(),
    }
    return render(request, "pipeline/goals.html", context)


def _save(request: AuthedHttpRequest, form: GoalForm, goal: Goal | None) -> HttpResponse | None:
    """Validate and save; None when the form must be shown again with its messages."""
    if not form.is_valid():
        return None
    user = request.user
    try:
        fields = form.service_fields()
        if goal is None:
            goal_services.goal_create(actor=user, **fields)
            messages.success(request, _("Goal added."))
        else:
            goal_services.goal_update(goal=goal, actor=user, changes=fields)
            messages.success(request, _("Goal saved."))
    except GoalInvalid as exc:
        form.add_error(_FIELD_OF.get(exc.field, exc.field), exc.message)
        return None
    except NotAllowed as exc:
        form.add_error("assignee", exc.message)
        return None
    except ServiceError as exc:
        form.add_error(None, exc.message)
        return None
    return HttpResponseRedirect(reverse("pipeline:goals"))


@require_http_methods(["GET", "POST"])
@login_required
def goal_new(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    if not _can_set_goals(user):
        raise PermissionDenied(_("Only managers and admins set goals."))
    initial = {
        "starts_on": timezone.localdate(),
        "kind": request.GET.get("kind") or Goal.Kind.DEALS_WON,
        "interval": Goal.Interval.MONTH,
    }
    form = GoalForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST":
        done = _save(request, form, None)
        if done is not None:
            return done
    return render(
        request,
        "pipeline/goal_form.html",
        {"form": form, "goal": None},
        status=422 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def goal_edit(request: AuthedHttpRequest, goal_id: int) -> HttpResponse:
    user = request.user
    goal = _goal(user, goal_id)
    if not goal_can_edit(user, goal):
        raise PermissionDenied(_("You can see this goal but not change it."))
    form = GoalForm(request.POST or None, user=user, initial=GoalForm.initial_for(goal))
    if request.method == "POST":
        done = _save(request, form, goal)
        if done is not None:
            return done
    return render(
        request,
        "pipeline/goal_form.html",
        {"form": form, "goal": goal},
        status=422 if form.is_bound else 200,
    )


@require_POST
@login_required
def goal_delete(request: AuthedHttpRequest, goal_id: int) -> HttpResponse:
    user = request.user
    goal = _goal(user, goal_id)
    try:
        goal_services.goal_delete(goal=goal, actor=user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("Goal deleted."))
    return HttpResponseRedirect(reverse("pipeline:goals"))
