"""Personal API tokens: stored as a hash, shown once, revocable, read by DRF."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts.authentication import PersonalTokenAuthentication
from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke
from shared.errors import NotAllowed, RuleViolation

pytestmark = pytest.mark.django_db


class WhoAmIApi(APIView):
    """A minimal endpoint using the project's default authentication classes."""

    permission_classes = [IsAuthenticated]

    def get(self, request):  # noqa: ANN001, ANN201
        return Response({"username": request.user.username})


def _call(header: str | None):  # noqa: ANN202
    factory = APIRequestFactory()
    request = (
        factory.get("/api/whoami", HTTP_AUTHORIZATION=header)
        if header
        else factory.get("/api/whoami")
    )
    return WhoAmIApi.as_view()(request)


def test_create_stores_only_a_hash_of_the_key(rep):
    token, key = api_token_create(user=rep, name="  Zapier ")
    assert key.startswith("sc_") and len(key) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.name == "Zapier"
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {str(v) for v in ApiToken.objects.values().get(pk=token.pk).values()}
    assert stored.prefix == key[:10]


def test_the_default_authentication_reads_the_token_header(rep, settings):
    assert (
        "accounts.authentication.PersonalTokenAuthentication"
        in settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    )
    token, key = api_token_create(user=rep, name="CLI")
    response = _call(f"Token {key}")
    assert response.status_code == 200
    assert response.data == {"username": "rita"}
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_missing_unknown_revoked_or_deactivated_keys_get_401(rep, admin):
    token, key = api_token_create(user=rep, name="CLI")
    assert _call(None).status_code == 401
    assert _call("Token sc_not-a-real-key").status_code == 401
    assert _call(f"Token {key} extra").status_code == 401
    api_token_revoke(token=token, actor=rep)
    assert _call(f"Token {key}").status_code == 401
    other, other_key = api_token_create(user=rep, name="Other")
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    response = _call(f"Token {other_key}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_last_used_is_written_at_most_once_a_minute(rep, django_assert_num_queries):
    token, key = api_token_create(user=rep, name="CLI")
    auth = PersonalTokenAuthentication()
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {key}")
    # First use: the lookup (token joined with its user) and the last-used UPDATE.
    with django_assert_num_queries(2):
        auth.authenticate(request)
    # Within the minute: the lookup only.
    with django_assert_num_queries(1):
        auth.authenticate(request)
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - timezone.timedelta(minutes=5)
    )
    with django_assert_num_queries(2):
        auth.authenticate(request)


def test_only_the_owner_or_an_admin_revokes(rep, teammate, admin):
    token, _ = api_token_create(user=rep, name="CLI")
    with pytest.raises(NotAllowed):
        api_token_revoke(token=token, actor=teammate)
    api_token_revoke(token=token, actor=admin)
    revoked = ApiToken.objects.get(pk=token.pk)
    assert revoked.revoked_by == admin and revoked.revoked_at is not None
    first = revoked.revoked_at
    api_token_revoke(token=revoked, actor=rep)  # twice: nothing changes
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first


def test_a_token_needs_a_name(rep):
    with pytest.raises(RuleViolation, match="Name the token"):
        api_token_create(user=rep, name="   ")


def test_the_page_shows_a_new_key_once_and_revokes(client, rep):
    client.force_login(rep)
    response = client.post(reverse("accounts:api_tokens"), {"name": "Zapier"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = re.search(r'value="(sc_[^"]+)"', response.content.decode()).group(1)
    assert _call(f"Token {key}").status_code == 200
    again = client.get(reverse("accounts:api_tokens")).content.decode()
    assert key not in again and key[:10] in again
    token = ApiToken.objects.get(user=rep)
    revoke = client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert revoke.status_code == 302
    assert _call(f"Token {key}").status_code == 401


def test_service_errors_answer_the_api_with_their_status_and_message(rep, make_deal, stages):
    """API views call services and let pipeline.api.errors.api_exception_handler (the project's
    EXCEPTION_HANDLER) answer 403/404/409/422 with the same message the UI shows."""
    from pipeline import services

    class MoveApi(APIView):
        permission_classes = [IsAuthenticated]

        def post(self, request, deal_id):  # noqa: ANN001, ANN201
            services.deal_move(
                deal=services_deal(deal_id),
                to_stage=stages[2],
                expected_version=int(request.data["version"]),
                actor=request.user,
            )
            return Response({"ok": True})

    def services_deal(deal_id):  # noqa: ANN001, ANN202
        from pipeline.selectors.visibility import deal_get_visible

        return deal_get_visible(rep, deal_id)

    stages[2].requirements = ["done_demo"]
    stages[2].save()
    deal = make_deal()
    _token, key = api_token_create(user=rep, name="CLI")
    factory = APIRequestFactory()
    request = factory.post(
        "/api/move", {"version": 1}, format="json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    response = MoveApi.as_view()(request, deal_id=deal.pk)
    assert response.status_code == 422
    assert response.data["missing"] == ["A demo is done"]
    assert response.data["detail"] == "Proposal needs first: a demo is done."
    stale = factory.post(
        "/api/move", {"version": 7}, format="json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert MoveApi.as_view()(stale, deal_id=deal.pk).status_code == 409
