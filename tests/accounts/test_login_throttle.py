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


# --- A Redis outage and a parallel burst (issue 15) -----------------------------------------
def _redis_cache(settings, url: str) -> None:
    settings.CACHES = {"default": {"BACKEND": "shared.cache.ResilientRedisCache", "LOCATION": url}}


@pytest.fixture
def local_counts():
    from accounts.throttle import _local

    _local.clear()
    yield _local
    _local.clear()


def test_redis_down_a_wrong_password_is_refused_and_the_throttle_still_applies(
    client, rep, teammate, limits, local_counts
):
    """Redis on a closed port: no 500; the throttle fails open to a per-process counter, so
    the fourth try is still refused."""
    from tests.ops.servers import free_port

    _redis_cache(limits, f"redis://127.0.0.1:{free_port(6400, 6500)}/0")
    for _ in range(3):
        response = _login(client, "rita", "wrong")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    assert _login(client, "rita", "pw-for-tests-123").status_code == 429
    assert _login(client, "tom", "pw-for-tests-123", ip="10.0.0.2").status_code == 302


def _burst(n: int) -> list[bool]:
    """n wrong passwords for one username at once; True for each one whose password was
    checked (not refused by the throttle)."""
    import threading

    from django.db import connection
    from django.test import RequestFactory

    from accounts.forms import ThrottledAuthenticationForm

    barrier = threading.Barrier(n)
    checked: list[bool] = []

    def attempt(i: int) -> None:
        request = RequestFactory().post(LOGIN, REMOTE_ADDR=f"10.9.0.{i}")
        form = ThrottledAuthenticationForm(
            request, data={"username": "ghost", "password": f"guess-{i}"}
        )
        barrier.wait()
        try:
            form.is_valid()
            checked.append(not form.locked)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(checked) == n
    return checked


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_check_no_more_than_the_limit_on_redis(settings, limits):
    from tests.ops.servers import PrivateRedis

    try:
        redis = PrivateRedis()
    except FileNotFoundError as exc:
        pytest.skip(f"{exc}: this test starts its own redis-server")
    redis.start()
    try:
        _redis_cache(settings, redis.url)
        limits.STAGECOACH_LOGIN_MAX_FAILURES_PER_USER = 5
        assert sum(_burst(30)) == 5
    finally:
        redis.stop()


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_check_no_more_than_the_limit_during_an_outage(
    settings, limits, local_counts
):
    from tests.ops.servers import free_port

    _redis_cache(settings, f"redis://127.0.0.1:{free_port(6400, 6500)}/0")
    limits.STAGECOACH_LOGIN_MAX_FAILURES_PER_USER = 5
    assert sum(_burst(30)) == 5
