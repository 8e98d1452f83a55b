"""docker-compose's `web` health check passes with production settings and the documented
`.env` (DEBUG off, HTTPS redirect on, ALLOWED_HOSTS naming only the public host)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["crm.example.com"]
    return settings


def _compose_health_url() -> str:
    """The URL the `web` service's health check opens, read from docker-compose.yml."""
    test = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"][
        "healthcheck"
    ]["test"]
    (url,) = re.findall(r"https?://[^'\"\s)]+", " ".join(test))
    return url


def test_the_compose_health_check_passes_with_production_settings(client, production):
    url = urlsplit(_compose_health_url())
    # urllib sends exactly this: plain http, Host = the URL's host and port.
    response = client.get(url.path, HTTP_HOST=url.netloc, secure=url.scheme == "https")
    assert response.status_code == 200, response.status_code
    assert response.json() == {"status": "ok"}


def test_only_the_health_check_skips_the_host_check_and_the_redirect(client, production):
    assert client.get("/accounts/login/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    redirect = client.get("/accounts/login/", HTTP_HOST="crm.example.com")
    assert (redirect.status_code, redirect["Location"]) == (
        301,
        "https://crm.example.com/accounts/login/",
    )
    assert client.post("/healthz", HTTP_HOST="127.0.0.1:8000").status_code == 400
