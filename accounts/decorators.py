"""Access rules for views that only admins may open."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous users go to the login page; signed-in non-admins get a 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_admin:  # type: ignore[union-attr]  # login_required ran first: a User
            raise PermissionDenied("Only an admin can open this page.")
        return view(request, *args, **kwargs)

    return wrapper
