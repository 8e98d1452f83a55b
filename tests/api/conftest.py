"""API clients logged in as the personas (session authentication)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient


def _client(user) -> APIClient:  # noqa: ANN001
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def api_rep(rep) -> APIClient:
    return _client(rep)


@pytest.fixture
def api_teammate(teammate) -> APIClient:
    return _client(teammate)


@pytest.fixture
def api_manager(manager, team_a) -> APIClient:
    return _client(manager)


@pytest.fixture
def api_outsider(outsider) -> APIClient:
    return _client(outsider)


@pytest.fixture
def api_admin(admin) -> APIClient:
    return _client(admin)
