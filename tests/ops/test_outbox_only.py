"""Every background job leaves through the one outbox (pipeline/services/jobs.py): no other
code in the app sends a Celery task, so no request can wait on the broker or lose a job."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_DIRS = ("accounts", "config", "metrics", "pipeline")
# Calls that hand a message to the broker: task.delay(), task.apply_async(), app.send_task(),
# a task's self.retry() (which re-publishes), and signatures' delay/apply_async.
SENDING = {"delay", "apply_async", "send_task", "retry", "signature", "s", "si", "chain", "group"}
THE_OUTBOX = Path("pipeline/services/jobs.py")


def _sending_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in SENDING:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}()")
        elif isinstance(node, ast.ImportFrom) and node.module == "celery":
            for alias in node.names:
                if alias.name in {"chain", "group", "chord", "signature"}:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: import {alias.name}")
    return found


def test_no_task_is_sent_outside_the_outbox():
    files = [
        path
        for top in APP_DIRS
        for path in sorted((ROOT / top).rglob("*.py"))
        if "migrations" not in path.parts
    ]
    assert len(files) > 50, "the walk found too few modules to mean anything"
    offenders = [
        call
        for path in files
        if path.relative_to(ROOT) != THE_OUTBOX
        for call in _sending_calls(path)
    ]
    assert offenders == [], (
        "Queue background work with pipeline.services.jobs.job_enqueue (the outbox), "
        "never directly: " + "; ".join(offenders)
    )


def test_the_outbox_is_the_only_sender():
    # The relay is the one place that hands tasks to the broker.
    assert [c.split(": ")[1] for c in _sending_calls(ROOT / THE_OUTBOX)] == ["send_task()"]
