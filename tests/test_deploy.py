"""The production settings and the Docker Compose stack the README documents."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean_with_production_settings():
    environment = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
        "ALLOWED_HOSTS": "crm.example.com",
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    # Set by the test session for Playwright; production never has it.
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    environment = {**os.environ, "DEBUG": "0"}
    environment.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("helper", "raw"),
    [(env.env_bool, "maybe"), (env.env_int, "ten")],
)
def test_malformed_environment_values_are_named(monkeypatch, helper, raw):
    monkeypatch.setenv("SOME_SETTING", raw)
    with pytest.raises(ImproperlyConfigured, match="SOME_SETTING"):
        helper("SOME_SETTING", 1)


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_describes_the_production_stack():
    services = _compose()["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    for name in ("db", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_commands_are_the_ones_the_readme_and_dockerfile_document():
    readme = (ROOT / "README.md").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    services = _compose()["services"]
    web = services["web"]["command"][-1].split("&&")[-1].strip()
    worker = " ".join(services["worker"]["command"])
    beat = " ".join(services["beat"]["command"])
    for command in (web, worker, beat):
        assert command in readme, command
        assert command in dockerfile, command
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1)
    assert " ".join(yaml.safe_load(cmd)) == web


@pytest.mark.skipif(
    subprocess.run(["docker", "compose", "version"], capture_output=True, check=False).returncode
    != 0
    if shutil.which("docker")
    else True,
    reason="no Docker Compose client on this machine",
)
def test_docker_compose_accepts_the_file():
    result = subprocess.run(
        ["docker", "compose", "config", "--quiet"],
        cwd=ROOT,
        env={**os.environ, "POSTGRES_PASSWORD": "x", "SECRET_KEY": "y"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
