"""DRF authentication with personal API tokens: `Authorization: Token <key>`."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import ApiToken, User
from accounts.services import api_token_authenticate


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # not ours: let the next authentication class try
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as “Authorization: Token <key>”, with no spaces in the key.")
            )
        try:
            raw_key = parts[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(
                _("The token contains invalid characters.")
            ) from exc
        token = api_token_authenticate(raw_key)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("Unknown or revoked API token; create a new one on your API tokens page.")
            )
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to a request without valid credentials.
        return self.keyword
