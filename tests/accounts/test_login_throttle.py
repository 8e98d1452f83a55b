"""Login throttling: per username and per client address, counted in the cache."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture
def limits(settings):
    settings.STAGECOACH_LOGIN_MAX_FAILURES_PER_USER = 3
    settings.STAGECOACH_LOGIN_MAX_FAILURES_PER_IP = 5
    settings.STAGECOACH_LOGIN_LOCKOUT_SECONDS = 600
    return settings


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_page_in_the_product_look_with_a_reset_link(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="login-card"' in body
    assert reverse("accounts:password_reset") in body


def test_correct_password_logs_in(client, rep, limits):
    response = _login(client, "rita", "pw-for-tests-123")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_username_is_locked_after_repeated_failures_even_with_the_right_password(
    client, rep, limits
):
    for _ in range(3):
        response = _login(client, "rita", "wrong")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    # Fourth try, right password: refused with a clear message and 429.
    response = _login(client, "rita", "pw-for-tests-123")
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many failed log-in attempts" in body
    assert "10 minutes" in body
    assert "_auth_user_id" not in client.session
    # From another address the username is still locked (per-user counter).
    assert _login(client, "rita", "pw-for-tests-123", ip="10.0.0.2").status_code == 429


def test_the_lock_is_per_username_and_case_insensitive(client, rep, teammate, limits):
    for _ in range(3):
        _login(client, "RITA", "wrong", ip="10.0.0.9")
    assert _login(client, "rita", "pw-for-tests-123", ip="10.0.0.3").status_code == 429
    # Tom, from the first address (3 failures < 5), is not affected.
    assert _login(client, "tom", "pw-for-tests-123", ip="10.0.0.9").status_code == 302


def test_an_address_is_locked_after_failures_across_usernames(client, rep, limits):
    for i in range(5):
        _login(client, f"guess{i}", "wrong", ip="10.0.0.7")
    assert _login(client, "rita", "pw-for-tests-123", ip="10.0.0.7").status_code == 429
    assert _login(client, "rita", "pw-for-tests-123", ip="10.0.0.8").status_code == 302


def test_a_success_clears_the_username_counter(client, rep, limits):
    for _ in range(2):
        _login(client, "rita", "wrong")
    assert _login(client, "rita", "pw-for-tests-123").status_code == 302
    client.logout()
    for _ in range(2):
        assert _login(client, "rita", "wrong").status_code == 200
    assert _login(client, "rita", "pw-for-tests-123").status_code == 302


def test_client_address_header_behind_a_proxy(client, rep, limits):
    limits.STAGECOACH_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    for i in range(5):
        client.post(
            LOGIN,
            {"username": f"guess{i}", "password": "x"},
            REMOTE_ADDR="172.16.0.1",
            HTTP_X_REAL_IP="203.0.113.5",
        )
    locked = client.post(
        LOGIN,
        {"username": "rita", "password": "pw-for-tests-123"},
        REMOTE_ADDR="172.16.0.1",
        HTTP_X_REAL_IP="203.0.113.5",
    )
    other = client.post(
        LOGIN,
        {"username": "rita", "password": "pw-for-tests-123"},
        REMOTE_ADDR="172.16.0.1",
        HTTP_X_REAL_IP="203.0.113.6",
    )
    assert (locked.status_code, other.status_code) == (429, 302)


def test_logout_is_a_post(client, rep):
    client.force_login(rep)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
