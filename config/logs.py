"""Logging helpers referenced from LOGGING in config/settings.py."""

from __future__ import annotations

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """A 4xx answer (403 PermissionDenied, 404 Http404) is the client's mistake, not the
    app's: log Django's one-line "Forbidden: /path" without the exception's traceback.
    Server errors (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
