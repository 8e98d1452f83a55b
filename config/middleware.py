"""Project middleware: running through outages (a database or a broker that is away), and the
response headers Django's SecurityMiddleware does not set."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import get_template, render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

log = logging.getLogger("stagecoach.outage")

# Seconds a client is told to wait before trying again during a database outage.
RETRY_AFTER = 5


class HealthCheckMiddleware:
    """Answers `GET /healthz` first, before the host check and the HTTPS redirect.

    Container health checks call the app from inside its container or network, as
    `http://127.0.0.1:8000/healthz`: with production settings that Host is not in
    ALLOWED_HOSTS (400 DisallowedHost) and plain http is redirected to https (301), so the
    check could never pass. The answer says only whether the database responds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/healthz" and request.method == "GET":
            from config.health import healthz

            return healthz(request)
        return self.get_response(request)


def database_unavailable(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """A 503 with a plain message. Rendered without the request's context processors and
    without the user, which both need the database that just failed."""
    log.warning("database unavailable for %s %s: %s", request.method, request.path, exc)
    message = _(
        "The database is not answering right now, so this page could not be shown and "
        "nothing was changed. Please try again in a few seconds."
    )
    # The header, not request.htmx: the outage may strike before HtmxMiddleware has run.
    if request.headers.get("HX-Request") == "true":
        body: str = render_to_string("shared/_toast.html", {"message": message, "level": "error"})
        response = HttpResponse(body, status=503)
        response["HX-Reswap"] = "none"
    else:
        body = get_template("503.html").render({"message": message})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


class ServiceUnavailableMiddleware:
    """A database outage (PostgreSQL restarting, a network cut) answers 503 with a message
    instead of a 500 traceback page. With CONN_HEALTH_CHECKS, the next request after the
    database returns opens a fresh connection: the app recovers by itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, OperationalError | InterfaceError):
            return database_unavailable(request, exc)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage raised outside a view (a middleware loading the session or the
    user) still answers 503 with the message; anything else is the plain 500 page."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        return database_unavailable(request, exc)
    from django.views.defaults import server_error as default

    return default(request)


class LateJobsMiddleware:
    """Tells the user when background work from their request (a reminder email) will run
    late because the queue is known to be away (the outbox relay last failed to reach Redis):
    their change is saved and the job waits in the outbox (pipeline/services/jobs.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from shared.jobs import jobs_collect_late

        with jobs_collect_late() as late:
            response = self.get_response(request)
        if late:
            message = ngettext(
                "Saved. %(jobs)s will go out late: the background job queue is unavailable "
                "right now. It is kept and runs as soon as the queue is back.",
                "Saved. These will go out late: %(jobs)s. The background job queue is "
                "unavailable right now; they are kept and run as soon as the queue is back.",
                len(late),
            ) % {"jobs": "; ".join(late)}
            _notify(request, response, message)
        return response


def _notify(request: HttpRequest, response: HttpResponse, message: str) -> None:
    is_html = response.get("Content-Type", "").startswith("text/html")
    if getattr(request, "htmx", False) and is_html and not response.streaming:
        # htmx fragments: the toast rides along out of band, like the board's own toasts.
        response.content += render_to_string(
            "shared/_toast.html", {"message": message, "level": "warning"}, request=request
        ).encode()
        response["X-Stagecoach-Late-Jobs"] = "1"
    else:
        # Plain forms redirect (POST/redirect/GET): the next page shows the message.
        messages.warning(request, message)
        response["X-Stagecoach-Late-Jobs"] = "1"


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.STAGECOACH_CONTENT_SECURITY_POLICY
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        return response
