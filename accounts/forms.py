"""Forms parse requests for the accounts views; the rules live in accounts/services/."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts import throttle
from accounts.models import Team, User
from accounts.services import email_queue
from shared.forms import model_choice_field


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form, refusing to even check a password once the username or the
    client address has failed too often (see accounts/throttle.py)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        # The count is filled in by clean() with ngettext (a plural message).
        "throttled": ngettext_lazy(
            "Too many failed log-in attempts. For your security, logging in is paused for "
            "%(minutes)d minute; you can also reset your password by email.",
            "Too many failed log-in attempts. For your security, logging in is paused for "
            "%(minutes)d minutes; you can also reset your password by email.",
            "minutes",
        ),
    }

    locked = False

    def clean(self) -> dict:
        username = self.cleaned_data.get("username") or ""
        ip = throttle.client_ip(self.request) if self.request else "unknown"
        # Counted before the check (one atomic step), so parallel tries cannot overrun it.
        attempt = throttle.login_attempt_begin(username=username, ip=ip)
        if not attempt.allowed:
            self.locked = True
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": max(1, settings.STAGECOACH_LOGIN_LOCKOUT_SECONDS // 60)},
            )
        cleaned = super().clean()  # a wrong password raises: the attempt stays counted
        throttle.login_attempt_succeeded(attempt=attempt, username=username)
        return cleaned


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, its email queued through the outbox instead of sent in the
    request (an unreachable mail server must not answer 500)."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict,
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        email_queue(subject=subject, body=body, to=[to_email], from_email=from_email)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        required=False,
        help_text=_("Optional; taken from the email address when empty."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=User.Role.choices, initial=User.Role.REP)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.order_by("name"), required=False
    )


class UserEditForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=User.Role.choices)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.order_by("name"), required=False
    )


class DeactivateForm(forms.Form):
    reassign_to = forms.ModelChoiceField(
        label=_("Give their open deals, leads and activities to"),
        queryset=User.objects.none(),
        error_messages={"required": _("Choose who takes over their open work.")},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "reassign_to").queryset = User.objects.filter(
            is_active=True
        ).exclude(pk=user.pk)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    manager = forms.ModelChoiceField(
        label=_("Manager"),
        queryset=User.objects.filter(is_active=True, role=User.Role.MANAGER),
        required=False,
    )


class CompanySettingsForm(forms.Form):
    reps_see_all_deals = forms.BooleanField(
        label=_("Reps see their colleagues' deals (read-only)"), required=False
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        error_messages={"required": _("Name the token after where you will use it.")},
    )


class PreferencesForm(forms.Form):
    language = forms.CharField(label=_("Language"), max_length=10, required=False)
    display_currency = forms.CharField(label=_("Show totals in"), max_length=3, required=False)
