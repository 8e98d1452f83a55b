"""HTTP helpers every view shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import reswap, trigger_client_event
from django_htmx.middleware import HtmxDetails

from shared.errors import RuleViolation, ServiceError

if TYPE_CHECKING:
    # Only for the annotation: shared sits below accounts and never imports it at run time.
    from accounts.models import User

T = TypeVar("T")


class AuthedHttpRequest(HttpRequest):
    """The request a `@login_required` view receives: `user` is a real `User`.

    For annotations only (django-htmx's typing pattern): Django still passes a plain
    `HttpRequest`, the class just tells mypy what the middleware has set.
    """

    user: User


class HtmxHttpRequest(AuthedHttpRequest):
    """An authenticated request that went through `HtmxMiddleware`."""

    htmx: HtmxDetails


def safe_next(request: HttpRequest, value: str | None, default: str) -> str:
    """`value` (a `next` parameter) when it points into this site, else `default`.

    The one check for every redirect target taken from a request: `//evil.example`,
    `/\\evil.example`, `https://evil.example` and `javascript:` all get `default`; on an
    https request an http target does too.
    """
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return default


def toast(request: HttpRequest, message: str, level: str = "error") -> str:
    return render_to_string(
        "shared/_toast.html", {"message": message, "level": level}, request=request
    )


def refused(
    request: HtmxHttpRequest, exc: ServiceError, *, fragments: str = "", fallback_url: str = "/"
) -> HttpResponse:
    """htmx: the status code, no main swap, the true state as out-of-band fragments and a
    toast. Plain forms: a message and a redirect back (POST/redirect/GET)."""
    if request.htmx:
        response = HttpResponse(fragments + toast(request, exc.message), status=exc.status_code)
        reswap(response, "none")
        trigger_client_event(
            response, "stagecoach:refused", {"message": exc.message, "status": exc.status_code}
        )
        return response
    messages.error(request, exc.message)
    return HttpResponseRedirect(fallback_url)


def form_errors_text(form: BaseForm) -> str:
    """A bound form's errors as one line of text, each prefixed by its field's label."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            parts.append(f"{label}: {error}" if label else str(error))
    return " ".join(parts)


def form_write(
    request: HttpRequest, form: BaseForm, write: Callable[[dict[str, Any]], T]
) -> tuple[T | None, int]:
    """A settings form's POST: validate `form`, then `write(form.cleaned_data)` (a service
    call that returns what it wrote, never None). Returns what was written and 200, or None
    and the status to render the form again with: 200 on GET, 422 for invalid input, the
    service's status (its message added to the form) when it refused."""
    if request.method != "POST":
        return None, 200
    if not form.is_valid():
        return None, 422
    try:
        return write(form.cleaned_data), 200
    except ServiceError as exc:
        form.add_error(None, exc.message)
        return None, exc.status_code


def valid_data(form: BaseForm) -> dict[str, Any]:
    """The form's cleaned data; a `RuleViolation` listing its errors when it is not valid, so
    that a view refuses bad input the same way as a refusal from a service."""
    if not form.is_valid():
        raise RuleViolation(form_errors_text(form))
    return form.cleaned_data


def refused_page(request: HtmxHttpRequest, exc: ServiceError, back: str) -> HttpResponse:
    """Like `refused`, but a plain form gets a small page with the message and the real 4xx
    (and a link back) instead of a redirect, so bad input never looks like success."""
    from django.shortcuts import render

    if request.htmx:
        return refused(request, exc, fallback_url=back)
    return render(
        request,
        "shared/refused.html",
        {"message": exc.message, "back": back},
        status=exc.status_code,
    )
