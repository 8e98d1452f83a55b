"""A 403 or a 404 is logged once, on one line; a 500 keeps its traceback."""

from __future__ import annotations

import logging

import pytest

pytestmark = pytest.mark.django_db


def _emitting_handlers(record: logging.LogRecord) -> list[logging.Handler]:
    """The configured handlers a record of django.request reaches (pytest's own left out)."""
    found, logger = [], logging.getLogger(record.name)
    while logger:
        found += [
            h
            for h in logger.handlers
            if not type(h).__module__.startswith("_pytest")
            and record.levelno >= h.level
            and h.filter(record)
        ]
        logger = logger.parent if logger.propagate else None
    return found


def test_403_and_404_are_logged_once_on_one_line(client, rep, caplog, settings):
    settings.DEBUG = True  # Django's own console handler speaks only with DEBUG on
    client.force_login(rep)
    with caplog.at_level(logging.INFO, logger="django.request"):
        assert client.get("/deals/999999/").status_code == 404
        assert client.get("/api/deals/999999/").status_code == 404
        assert client.get("/accounts/users/").status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage().split(":")[0] for r in records] == [
        "Not Found",
        "Not Found",
        "Forbidden (Permission denied)",
    ]
    for record in records:
        assert record.exc_info is None, record.getMessage()  # no traceback
        assert len(_emitting_handlers(record)) == 1, record.getMessage()  # written once


def test_a_server_error_keeps_its_traceback(caplog):
    logger = logging.getLogger("django.request")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        with caplog.at_level(logging.ERROR, logger="django.request"):
            logger.error("Internal Server Error: /x", exc_info=True, extra={"status_code": 500})
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is not None
