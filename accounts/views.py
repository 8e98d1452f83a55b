"""The front door (log in, log out, password reset), the users and teams admin, the company
settings and personal API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.decorators import admin_required
from accounts.forms import (
    ApiTokenForm,
    CompanySettingsForm,
    DeactivateForm,
    InviteForm,
    PreferencesForm,
    QueuedPasswordResetForm,
    TeamForm,
    ThrottledAuthenticationForm,
    UserEditForm,
)
from accounts.models import ApiToken, CompanySettings, Team, User
from accounts.selectors import user_list_for_admin
from accounts.services import user_set_preferences
from shared.currencies import currency_codes_enabled
from shared.errors import ServiceError
from shared.http import AuthedHttpRequest, form_write, safe_next

# --- Front door ---------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        # 429 tells scripts and monitoring the lockout apart from a wrong password (200).
        locked = isinstance(form, ThrottledAuthenticationForm) and form.locked
        response.status_code = 429 if locked else 200
        return response


login_view = LoginView.as_view()
logout_view = auth_views.LogoutView.as_view()
password_reset = auth_views.PasswordResetView.as_view(
    form_class=QueuedPasswordResetForm,
    template_name="accounts/password_reset.html",
    email_template_name="accounts/email/password_reset.txt",
    subject_template_name="accounts/email/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


# --- Users --------------------------------------------------------------------------------------


def _base_url(request: AuthedHttpRequest) -> str:
    return request.build_absolute_uri("/")


@require_http_methods(["GET", "POST"])
@admin_required
def user_list(request: AuthedHttpRequest) -> HttpResponse:
    """Everyone with an account, and the invitation form."""
    form = InviteForm(request.POST if request.method == "POST" else None)
    user, status = form_write(
        request,
        form,
        lambda data: services.user_invite(actor=request.user, base_url=_base_url(request), **data),
    )
    if user is not None:
        messages.success(
            request,
            _(
                "The invitation to %(email)s is on its way; they choose their password "
                "from its link. If it does not arrive, send it again from their page."
            )
            % {"email": user.email},
        )
        return HttpResponseRedirect(reverse("accounts:user_list"))
    return render(
        request,
        "accounts/user_list.html",
        {"users": user_list_for_admin(), "form": form, "tab": "users"},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@admin_required
def user_edit(request: AuthedHttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(User, pk=user_id)
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "team": user.team_id,
    }
    form = UserEditForm(request.POST if request.method == "POST" else None, initial=initial)
    saved, status = form_write(
        request, form, lambda data: services.user_update(user=user, actor=request.user, **data)
    )
    if saved is not None:
        messages.success(request, _("Saved %(user)s.") % {"user": user})
        return HttpResponseRedirect(reverse("accounts:user_list"))
    return render(
        request,
        "accounts/user_edit.html",
        {
            "subject": user,
            "form": form,
            "deactivate_form": DeactivateForm(user=user),
            "tab": "users",
        },
        status=status,
    )


@require_POST
@admin_required
def user_deactivate(request: AuthedHttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(User, pk=user_id)
    form = DeactivateForm(request.POST, user=user)
    error = ""
    status = 422
    if form.is_valid():
        try:
            result = services.user_deactivate(
                user=user,
                reassign_to=form.cleaned_data["reassign_to"],
                actor=request.user,
            )
        except ServiceError as exc:
            error, status = exc.message, exc.status_code
        else:
            messages.success(
                request,
                # Each count is its own plural message.
                _(
                    "%(user)s is deactivated. %(to)s now owns their %(deals)s, %(leads)s and "
                    "%(activities)s."
                )
                % {
                    "user": user,
                    "to": result.reassigned_to,
                    "deals": ngettext("%(n)d open deal", "%(n)d open deals", result.deals)
                    % {"n": result.deals},
                    "leads": ngettext("%(n)d lead", "%(n)d leads", result.leads)
                    % {"n": result.leads},
                    "activities": ngettext(
                        "%(n)d open activity", "%(n)d open activities", result.activities
                    )
                    % {"n": result.activities},
                },
            )
            return HttpResponseRedirect(reverse("accounts:user_list"))
    if error:
        form.add_error(None, error)
    return render(
        request,
        "accounts/user_edit.html",
        {
            "subject": user,
            "form": UserEditForm(
                initial={
                    "first_name": user.first_name,
                    "last_name": user.last_name,
                    "role": user.role,
                    "team": user.team_id,
                }
            ),
            "deactivate_form": form,
            "tab": "users",
        },
        status=status,
    )


@require_POST
@admin_required
def user_invite_resend(request: AuthedHttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(User, pk=user_id)
    try:
        services.user_invite_resend(user=user, actor=request.user, base_url=_base_url(request))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("A new invitation is on its way to %(email)s.") % {"email": user.email}
        )
    return HttpResponseRedirect(reverse("accounts:user_edit", args=[user.pk]))


@require_POST
@admin_required
def user_reactivate(request: AuthedHttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(User, pk=user_id)
    services.user_reactivate(user=user, actor=request.user)
    messages.success(request, _("%(user)s can log in again.") % {"user": user})
    return HttpResponseRedirect(reverse("accounts:user_edit", args=[user.pk]))


# --- Teams --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@admin_required
def team_list(request: AuthedHttpRequest) -> HttpResponse:
    form = TeamForm(request.POST if request.method == "POST" else None)
    team, status = form_write(
        request, form, lambda data: services.team_create(actor=request.user, **data)
    )
    if team is not None:
        messages.success(request, _("Team %(team)s created.") % {"team": team})
        return HttpResponseRedirect(reverse("accounts:team_list"))
    teams = Team.objects.select_related("manager").prefetch_related("members").order_by("name")
    return render(
        request,
        "accounts/team_list.html",
        {"teams": teams, "form": form, "tab": "teams"},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@admin_required
def team_edit(request: AuthedHttpRequest, team_id: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=team_id)
    form = TeamForm(
        request.POST if request.method == "POST" else None,
        initial={"name": team.name, "manager": team.manager_id},
    )
    saved, status = form_write(
        request, form, lambda data: services.team_update(team=team, actor=request.user, **data)
    )
    if saved is not None:
        messages.success(request, _("Saved team %(team)s.") % {"team": team})
        return HttpResponseRedirect(reverse("accounts:team_list"))
    return render(
        request,
        "accounts/team_edit.html",
        {"team": team, "form": form, "tab": "teams"},
        status=status,
    )


# --- Company settings ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@admin_required
def company_settings(request: AuthedHttpRequest) -> HttpResponse:
    current = CompanySettings.load()
    form = CompanySettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"reps_see_all_deals": current.reps_see_all_deals},
    )
    if request.method == "POST" and form.is_valid():
        services.company_settings_update(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Company settings saved."))
        return HttpResponseRedirect(reverse("accounts:company_settings"))
    return render(
        request,
        "accounts/company_settings.html",
        {"form": form, "settings_row": current, "tab": "company"},
    )


# --- Personal API tokens ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def api_tokens(request: AuthedHttpRequest) -> HttpResponse:
    """The user's own tokens. A new key is shown once, on the page that answers the POST."""
    user = request.user
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    raw_key = ""
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created, raw_key = services.api_token_create(
                    user=user, name=form.cleaned_data["name"]
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                form = ApiTokenForm()
        else:
            status = 422
    response = render(
        request,
        "accounts/api_tokens.html",
        {
            "tokens": ApiToken.objects.filter(user=user).order_by("-created_at", "-id"),
            "form": form,
            "raw_key": raw_key,
            "created": created,
            "tab": "tokens",
        },
        status=status,
    )
    # The key must not linger in any cache or in the browser's back/forward history.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def api_token_revoke(request: AuthedHttpRequest, token_id: int) -> HttpResponse:
    user = request.user
    tokens = ApiToken.objects.all() if user.is_admin else ApiToken.objects.filter(user=user)
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise Http404(_("This token does not exist or is not yours."))
    services.api_token_revoke(token=token, actor=user)
    messages.success(
        request,
        _("Token “%(name)s” is revoked; programs using it can no longer connect.")
        % {"name": token.name},
    )
    return HttpResponseRedirect(reverse("accounts:api_tokens"))


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request: AuthedHttpRequest) -> HttpResponse:
    """GET: the form. POST: save the language and/or display currency; the top bar's language
    menu posts here too, with `next` to come back to the page it was on."""
    user = request.user
    status = 200
    form = PreferencesForm(request.POST if request.method == "POST" else None)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user_set_preferences(
                user=user,
                actor=user,
                language=data["language"] if "language" in request.POST else None,
                display_currency=(
                    data["display_currency"] if "display_currency" in request.POST else None
                ),
            )
        except ServiceError as exc:
            error, status = exc.message, exc.status_code
        else:
            follow_browser = "language" in request.POST and not user.language
            if follow_browser:
                # "As my browser": forget the override the language menu left behind, or the
                # cookie would keep the previous language.
                request.COOKIES.pop(settings.LANGUAGE_COOKIE_NAME, None)
                request.session.pop("_language", None)  # Django < 4 kept it in the session
                translation.activate(translation.get_language_from_request(request))
            elif user.language:
                translation.activate(user.language)
            messages.success(request, _("Preferences saved."))
            target = safe_next(request, request.POST.get("next"), reverse("accounts:preferences"))
            response = HttpResponseRedirect(target)
            # Remembered after logout too, so the login page speaks the same language.
            if follow_browser:
                response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, samesite="Lax")
            elif user.language:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    user.language,
                    max_age=365 * 24 * 3600,
                    samesite="Lax",
                )
            return response
    elif request.method == "POST":
        status = 422
    return render(
        request,
        "accounts/preferences.html",
        {
            "tab": "preferences",
            "error": error,
            "currencies": currency_codes_enabled(),
            "base": settings.DEFAULT_CURRENCY,
            "browser_language": translation.get_language_from_request(request),
        },
        status=status,
    )
