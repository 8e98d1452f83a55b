"""Issue 10: a user's own language and display currency."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.services import user_set_preferences
from pipeline.currency_forms import PreferencesForm
from pipeline.errors import ServiceError
from pipeline.http import safe_next
from pipeline.selectors.currencies import currency_codes_enabled


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: save the language and/or display currency; the top bar's language
    menu posts here too, with `next` to come back to the page it was on."""
    user: User = request.user  # type: ignore[assignment]
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
                # cookie would keep the previous language (issue 16 item 8).
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
