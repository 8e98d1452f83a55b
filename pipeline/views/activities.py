"""Activities: scheduling from any page, editing, completing (with the next step in the same
form), rescheduling, "My activities", the week calendar, weekly goals and the calendar feed.

A form with bad input is shown again with messages beside its fields and status 422.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from pipeline import services
from pipeline.forms.activities import (
    ActivityEditForm,
    ActivityScheduleForm,
    FinishForm,
    RescheduleForm,
)
from pipeline.models import Activity, CalendarFeed
from pipeline.selectors.activities import (
    ActivityFilters,
    activity_buckets,
    activity_list_for_feed,
    activity_week,
    deal_choices_for_activity,
    goal_progress,
    goal_table,
    next_workday,
    owners_choosable,
    week_start,
    weekly_metric_choices,
)
from pipeline.selectors.calendar import calendar_text
from pipeline.selectors.visibility import activity_list_visible, deal_get_visible
from pipeline.services import activities as planning
from shared.dates import format_day
from shared.errors import NotVisible, ServiceError
from shared.http import AuthedHttpRequest, safe_next
from shared.validation import clamp_date


def _activity(request: AuthedHttpRequest, activity_id: int) -> Activity:
    activity = (
        activity_list_visible(request.user)
        .select_related("deal", "person", "organization", "owner")
        .filter(pk=activity_id)
        .first()
    )
    if activity is None:
        raise Http404(_("This activity does not exist or you may not see it."))
    return activity


def _home_of(activity: Activity) -> str:
    if activity.deal_id:
        return reverse("pipeline:deal_detail", args=[activity.deal_id])
    if activity.person_id:
        return reverse("pipeline:person_detail", args=[activity.person_id])
    if activity.organization_id:
        return reverse("pipeline:organization_detail", args=[activity.organization_id])
    return reverse("pipeline:my_activities")


# --- Scheduling ------------------------------------------------------------------------------


@require_POST
@login_required
def activity_schedule(request: AuthedHttpRequest) -> HttpResponse:
    """Schedule an activity on a deal, person or organization (the form says which). A date
    in the past logs it as done."""
    user = request.user
    form = ActivityScheduleForm(request.POST, owners=owners_choosable(user))
    fallback = reverse("pipeline:my_activities")
    if not form.is_valid():
        return _schedule_page(request, form, status=422)
    data = form.cleaned_data
    back = safe_next(request, data.get("next"), fallback)
    try:
        deal = deal_get_visible(user, data["deal"]) if data.get("deal") else None
        activity = services.activity_create(
            actor=user,
            type=data["type"],
            subject=data["subject"],
            due_date=data["due_date"],
            due_time=data["due_time"],
            duration_minutes=data["duration_minutes"],
            note=data["note"],
            owner=data.get("owner"),
            deal=deal,
            person=data.get("person"),
            organization=data.get("organization"),
        )
    except ServiceError as exc:
        form.add_error(None, exc.message)
        return _schedule_page(request, form, status=exc.status_code)
    if activity.done_at:
        messages.success(request, _("Logged “%(s)s” as done.") % {"s": activity.subject})
    else:
        messages.success(request, _("Scheduled “%(s)s”.") % {"s": activity.subject})
    return HttpResponseRedirect(back)


def _schedule_page(
    request: AuthedHttpRequest, form: ActivityScheduleForm, *, status: int
) -> HttpResponse:
    return render(request, "pipeline/activity_schedule.html", {"form": form}, status=status)


# --- One activity ----------------------------------------------------------------------------


def _detail_page(
    request: AuthedHttpRequest,
    activity: Activity,
    *,
    edit_form: ActivityEditForm | None = None,
    finish_form: FinishForm | None = None,
    reschedule_form: RescheduleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    owners = owners_choosable(request.user)
    context = {
        "activity": activity,
        "edit_form": edit_form
        or ActivityEditForm(initial=ActivityEditForm.initial_for(activity), owners=owners),
        "finish_form": finish_form
        or FinishForm(
            initial={
                "next_type": activity.type,
                "schedule_next": False,
                "next_due_date": next_workday(),
            }
        ),
        "reschedule_form": reschedule_form
        or RescheduleForm(initial={"due_date": activity.due_date, "due_time": activity.due_time}),
        "home": _home_of(activity),
        "can_edit": planning.activity_can_edit(request.user, activity),
        "next": safe_next(request, request.GET.get("next"), _home_of(activity)),
    }
    return render(request, "pipeline/activity_detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def activity_detail(request: AuthedHttpRequest, activity_id: int) -> HttpResponse:
    """The activity with its edit, complete-and-plan-next and reschedule forms; POST saves
    the edit form."""
    activity = _activity(request, activity_id)
    if request.method == "GET":
        return _detail_page(request, activity)
    form = ActivityEditForm(request.POST, owners=owners_choosable(request.user))
    if not form.is_valid():
        return _detail_page(request, activity, edit_form=form, status=422)
    try:
        planning.activity_update(activity=activity, actor=request.user, changes=form.cleaned_data)
    except ServiceError as exc:
        form.add_error(None, exc.message)
        return _detail_page(request, activity, edit_form=form, status=exc.status_code)
    messages.success(request, _("Saved."))
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), _home_of(activity)))


@require_POST
@login_required
def activity_finish(request: AuthedHttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    form = FinishForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, activity, finish_form=form, status=422)
    try:
        done, created = planning.activity_finish(
            activity=activity,
            actor=request.user,
            outcome=form.cleaned_data["outcome"],
            next_activity=form.next_activity(),
        )
    except ServiceError as exc:
        form.add_error(None, exc.message)
        return _detail_page(request, activity, finish_form=form, status=exc.status_code)
    if created is not None:
        messages.success(
            request,
            _("“%(done)s” is done; next: “%(next)s” on %(date)s.")
            % {"done": done.subject, "next": created.subject, "date": created.due_date},
        )
    else:
        messages.success(request, _("“%(done)s” is done.") % {"done": done.subject})
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), _home_of(activity)))


@require_POST
@login_required
def activity_reschedule(request: AuthedHttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, activity, reschedule_form=form, status=422)
    try:
        planning.activity_reschedule(
            activity=activity,
            actor=request.user,
            due_date=form.cleaned_data["due_date"],
            due_time=form.cleaned_data["due_time"],
        )
    except ServiceError as exc:
        form.add_error(None, exc.message)
        return _detail_page(request, activity, reschedule_form=form, status=exc.status_code)
    messages.success(
        request, _("Moved to %(date)s.") % {"date": format_day(form.cleaned_data["due_date"])}
    )
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), _home_of(activity)))


@require_POST
@login_required
def activity_reopen(request: AuthedHttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    back = safe_next(request, request.POST.get("next"), _home_of(activity))
    try:
        planning.activity_reopen(activity=activity, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _detail_page(request, activity, status=exc.status_code)
    messages.success(request, _("Marked as not done."))
    return HttpResponseRedirect(back)


# --- Lists -----------------------------------------------------------------------------------


def _list_context(request: AuthedHttpRequest, filters: ActivityFilters) -> dict:
    user = request.user
    return {
        "filters": filters,
        "filter_query": urlencode(filters.as_query()),
        "owners": owners_choosable(user),
        "types": Activity.Type.choices,
        "can_see_team": user.role != User.Role.REP,
        "here": request.get_full_path(),
    }


@require_GET
@login_required
def my_activities(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    filters = ActivityFilters.from_query(request.GET)
    buckets = activity_buckets(user=user, filters=filters)
    sections = [
        ("overdue", _("Overdue"), buckets.overdue),
        ("today", _("Today"), buckets.today),
        ("week", _("This week"), buckets.this_week),
        ("later", _("Later"), buckets.later),
        ("done", _("Done"), buckets.done),
    ]
    context = _list_context(request, filters) | {
        "sections": sections,
        # A manager who owns nothing is pointed to the team's activities.
        "has_any": any(items for _key, _label, items in sections),
        "goals": goal_progress(owner=user),
        "week_start": week_start(timezone.localdate()),
        # "+ Activity": on one of the open deals the user may change.
        "deal_choices": deal_choices_for_activity(user),
    }
    return render(request, "pipeline/my_activities.html", context)


@require_GET
@login_required
def activity_calendar(request: AuthedHttpRequest) -> HttpResponse:
    filters = ActivityFilters.from_query(request.GET)
    try:
        day = clamp_date(datetime.date.fromisoformat(request.GET.get("week", "")))
    except ValueError:
        day = timezone.localdate()
    monday = week_start(day)
    days = activity_week(user=request.user, filters=filters, monday=monday)
    context = _list_context(request, filters) | {
        "days": days,
        "monday": monday,
        "sunday": monday + datetime.timedelta(days=6),
        "prev_week": (monday - datetime.timedelta(days=7)).isoformat(),
        "next_week": (monday + datetime.timedelta(days=7)).isoformat(),
        "this_week": week_start(timezone.localdate()).isoformat(),
        "today": timezone.localdate(),
    }
    return render(request, "pipeline/activity_calendar.html", context)


# --- Goals -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def activity_goals(request: AuthedHttpRequest) -> HttpResponse:
    """Managers set weekly targets per rep; the table shows this week's counts beside them.
    Inputs are named `goal-<rep id>-<metric>`."""
    user = request.user
    if not (user.is_manager or user.is_admin):
        raise PermissionDenied(_("Only managers and admins set activity goals."))
    errors: list[str] = []
    labels = dict(weekly_metric_choices())
    if request.method == "POST":
        targets: dict[tuple[int, str], int] = {}
        for row in goal_table(manager=user):
            for metric, _target, _done in row.cells:
                raw = (request.POST.get(f"goal-{row.rep.pk}-{metric}") or "").strip()
                if raw.isdigit():
                    targets[(row.rep.pk, metric)] = int(raw)
                elif raw:
                    errors.append(
                        _("%(rep)s, %(metric)s: “%(raw)s” is not a whole number.")
                        % {"rep": row.rep, "metric": labels[metric], "raw": raw}
                    )
                else:
                    targets[(row.rep.pk, metric)] = 0
        if not errors:
            try:
                planning.activity_goals_save(actor=user, targets=targets)
            except ServiceError as exc:
                errors.append(exc.message)
        if not errors:
            messages.success(request, _("Goals saved."))
            return HttpResponseRedirect(reverse("pipeline:activity_goals"))
    table = []
    for row in goal_table(manager=user):
        cells = []
        for metric, target, done in row.cells:
            name = f"goal-{row.rep.pk}-{metric}"
            # After an error, show what the manager typed rather than the saved value.
            shown = request.POST.get(name, "") if errors else (target or "")
            cells.append({"name": name, "value": shown, "target": target, "done": done})
        table.append({"rep": row.rep, "cells": cells})
    context = {"table": table, "metrics": weekly_metric_choices(), "errors": errors}
    return render(request, "pipeline/activity_goals.html", context, status=422 if errors else 200)


# --- Calendar feed ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def calendar_feed_settings(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            planning.calendar_feed_revoke(actor=user)
            messages.success(request, _("The calendar address is revoked; it no longer works."))
        else:
            planning.calendar_feed_rotate(actor=user)
            messages.success(
                request, _("A new calendar address is ready; any old one stopped working.")
            )
        return HttpResponseRedirect(reverse("pipeline:calendar_feed_settings"))
    feed = CalendarFeed.objects.filter(user=user).first()
    url = None
    if feed is not None:
        url = settings.STAGECOACH_BASE_URL.rstrip("/") + reverse(
            "pipeline:calendar_feed", args=[feed.token]
        )
    return render(request, "pipeline/calendar_feed.html", {"feed": feed, "feed_url": url})


@require_GET
@never_cache
def calendar_feed(request: AuthedHttpRequest, token: str) -> HttpResponse:
    """The secret feed: no login (calendar apps cannot log in); the token is the key."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404(NotVisible(_("This calendar address is not valid.")).message)
    base = settings.STAGECOACH_BASE_URL
    text = calendar_text(
        activity_list_for_feed(user=feed.user),
        name=_("Stagecoach: %(user)s") % {"user": feed.user},
        host=urlsplit(base).hostname or "stagecoach",
        base_url=base,
    )
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="stagecoach.ics"'
    return response
