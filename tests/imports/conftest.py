"""Writing CSV files for the import tests."""

from __future__ import annotations

import pytest

from tests.webhooks.conftest import receiver  # noqa: F401 - the webhook receiver, shared


@pytest.fixture
def write_csv(tmp_path):
    """write_csv(text, name=..., bom=False) -> path of a UTF-8 file with that content."""

    def write(text: str, *, name: str = "deals.csv", bom: bool = False):
        path = tmp_path / name
        data = text.encode("utf-8")
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        return path

    return write
