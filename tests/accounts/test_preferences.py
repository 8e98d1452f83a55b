"""A user's language and display currency (issue 10)."""

import pytest
from django.urls import reverse

from accounts.services import user_set_preferences
from pipeline import services
from shared.errors import NotAllowed, RuleViolation

pytestmark = pytest.mark.django_db


def test_language_defaults_to_the_browser(client, rep):
    client.force_login(rep)
    response = client.get(reverse("accounts:preferences"), HTTP_ACCEPT_LANGUAGE="fi,en;q=0.5")
    assert response["Content-Language"] == "fi"
    assert '<html lang="fi"' in response.content.decode()


def test_the_users_language_wins_over_the_browser(client, rep):
    user_set_preferences(user=rep, actor=rep, language="hu")
    client.force_login(rep)
    response = client.get(reverse("pipeline:board_default"), HTTP_ACCEPT_LANGUAGE="fi")
    assert response["Content-Language"] == "hu"


def test_saving_preferences_from_the_page(client, rep, admin):
    services.currency_enable(code="USD", actor=admin)
    client.force_login(rep)
    response = client.post(
        reverse("accounts:preferences"),
        {"language": "vi", "display_currency": "usd", "next": "/deals/"},
    )
    assert response.status_code == 302 and response["Location"] == "/deals/"
    assert response.cookies["django_language"].value == "vi"
    rep.refresh_from_db()
    assert (rep.language, rep.display_currency) == ("vi", "USD")


def test_next_must_stay_on_this_site(client, rep):
    client.force_login(rep)
    response = client.post(
        reverse("accounts:preferences"), {"language": "fi", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("accounts:preferences")


def test_unknown_language_or_currency_is_refused(client, rep):
    client.force_login(rep)
    response = client.post(reverse("accounts:preferences"), {"language": "xx"})
    assert response.status_code == 422
    response = client.post(reverse("accounts:preferences"), {"display_currency": "JPY"})
    assert response.status_code == 422
    assert "JPY is not an enabled currency" in response.content.decode()
    rep.refresh_from_db()
    assert (rep.language, rep.display_currency) == ("", "")


def test_base_currency_is_stored_as_the_default(rep):
    user_set_preferences(user=rep, actor=rep, display_currency="EUR")
    assert rep.display_currency == ""


def test_others_preferences_are_not_yours_to_change(rep, teammate):
    with pytest.raises(NotAllowed):
        user_set_preferences(user=teammate, actor=rep, language="fi")
    with pytest.raises(RuleViolation):
        user_set_preferences(user=rep, actor=rep, language="klingon")


def test_as_my_browser_clears_the_previous_languages_cookie(client, rep):
    """Issue 16 item 8: after choosing Chinese, "As my browser" must drop the language
    cookie, or the next pages (and the login page) stay Chinese."""
    client.force_login(rep)
    client.post(reverse("accounts:preferences"), {"language": "zh-hans"})
    assert client.cookies["django_language"].value == "zh-hans"
    response = client.post(
        reverse("accounts:preferences"), {"language": ""}, HTTP_ACCEPT_LANGUAGE="fi"
    )
    assert response.cookies["django_language"].value == ""  # deleted: expired, empty
    assert response.cookies["django_language"]["max-age"] == 0
    rep.refresh_from_db()
    assert rep.language == ""
    page = client.get(reverse("pipeline:board_default"), HTTP_ACCEPT_LANGUAGE="fi")
    assert page["Content-Language"] == "fi"
    client.logout()
    login = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="fi")
    assert login["Content-Language"] == "fi"
