"""The CSV import in a real browser: upload → map columns (creating a missing stage and
owner) → preview with a row problem → fix it → apply → progress → the deals on the board.

Tasks do not run at once here: they wait on Celery's in-process broker, and the test plays
the worker (`run_queued_tasks`) when it chooses, so each progress step is seen in the page
and the page's own polling brings it to the next step. While the test runs a task, the
browser's polls are held by Playwright (route handlers only run inside Playwright calls),
so the live server and the task never use the database at the same moment.

Screenshots of every step go to $STAGECOACH_SCREENSHOTS (default: the test's tmp dir).
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from kombu.simple import SimpleQueue

from accounts.models import User
from pipeline.models import Deal, ImportJob, Stage
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.browser]

# A spreadsheet from a European office: semicolons, "1 234,50", headers of its own, a stage
# and an owner Stagecoach does not have yet.
CSV = (
    "Deal name;Amount;Stage;Sales rep;Company;Opened\n"
    "Alpha roof;1 234,50;Lead in;rita;Acme;2026-01-05\n"
    "Beta windows;800;Shortlist;Nina Novak;Globex;2026-01-06\n"
    "Gamma doors;2.500;Qualified;rita;Acme;2026-01-07\n"
)


@pytest.fixture
def task_queue():
    """Tasks queue on the in-process broker instead of running at once."""
    from config.celery import app

    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
    # Connection pools are made once per broker: forget any made for another one.
    app._pool = None
    app.amqp._producer_pool = None
    yield app
    app.conf.task_always_eager, app.conf.broker_url = saved
    app._pool = None
    app.amqp._producer_pool = None


def run_queued_tasks(app) -> list[str]:  # noqa: ANN001
    """Play the worker: take each waiting task message and run the task here."""
    ran = []
    with app.connection_for_read() as conn:
        queue = SimpleQueue(conn, app.conf.task_default_queue)
        try:
            while True:
                try:
                    message = queue.get(block=True, timeout=0.5)
                except queue.Empty:
                    return ran
                name = message.headers["task"]
                args, kwargs, _embed = message.decode()
                app.tasks[name].apply(args=args, kwargs=kwargs).get()
                message.ack()
                ran.append(name.rsplit(".", 1)[-1])
        finally:
            queue.close()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("STAGECOACH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def shot(page, name: str) -> None:  # noqa: ANN001
        page.screenshot(path=str(folder / f"import-{name}.png"), full_page=True)

    return shot


def test_import_deals_from_upload_to_board(
    login, live_server, task_queue, shots, admin, rep, pipeline, stages
):
    OrganizationFactory(name="Acme")
    page = login(admin)
    # Polls of the progress box go through Playwright, so they wait while a task runs.
    page.route("**/progress/", lambda route: route.continue_())

    # 1. Upload.
    page.goto(f"{live_server.url}/imports/")
    page.select_option("select[name=kind]", "deals")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "offices.csv", "mimeType": "text/csv", "buffer": CSV.encode()}],
    )
    shots(page, "1-upload")
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("heading", name="Which column holds what").wait_for()

    # 2. Map the columns the file names its own way; create what is missing.
    for field, column in [
        ("title", "Deal name"),
        ("value", "Amount"),
        ("owner", "Sales rep"),
        ("organization", "Company"),
        ("created_at", "Opened"),
    ]:
        page.select_option(f"select[name=col_{field}]", column)
    assert page.locator("select[name=col_stage]").input_value() == "Stage"  # by its name
    page.check("input[name=create_missing]")
    shots(page, "2-mapping")
    page.get_by_role("button", name="Check the file").click()

    # 3. Checking: the progress box, until the worker has run.
    page.locator("#import-progress").get_by_text("Checking every row").wait_for()
    assert "0 of 3 rows" in page.locator("#import-progress").inner_text()
    shots(page, "3-checking")
    assert run_queued_tasks(task_queue) == ["check_import"]

    # 4. The preview (the page's own polling reloads it): one row problem, the missing stage,
    # owner and organization listed, and the import button disabled.
    page.get_by_role("heading", name="Preview").wait_for()
    problems = page.locator("table.import-problems tbody tr")
    assert problems.count() == 1
    assert problems.first.inner_text().split("\t") == [
        "2",
        "Value",
        "1 234,50 is not a number like 1,234.50.",
    ]
    unknown = page.locator("dl.import-unknown").inner_text()
    assert "Shortlist" in unknown and "Nina Novak" in unknown and "Globex" in unknown
    assert page.get_by_role("button", name="Import 2 new rows").is_disabled()
    shots(page, "4-preview-problem")

    # 5. Fix: the file writes numbers the European way.
    page.select_option("select[name=number_format]", "comma")
    page.get_by_role("button", name="Check again", exact=True).click()
    page.locator("#import-progress").wait_for()
    assert run_queued_tasks(task_queue) == ["check_import"]
    page.get_by_role("heading", name="Preview").wait_for()
    assert page.locator("table.import-problems").count() == 0
    apply = page.get_by_role("button", name="Import 3 new rows")
    assert apply.is_enabled()
    shots(page, "5-preview-fixed")

    # 6. Apply: the progress box, then the result.
    apply.click()
    page.locator("#import-progress").get_by_text("Importing").wait_for()
    shots(page, "6-importing")
    assert run_queued_tasks(task_queue) == ["apply_import"]
    page.get_by_role("heading", name="Imported").wait_for()
    badges = page.locator(".box .badge").all_inner_texts()
    assert sorted(badges) == ["1 organization", "1 owner", "1 stage", "3 deals"]
    shots(page, "7-imported")
    assert ImportJob.objects.get().status == ImportJob.Status.DONE

    # 7. The deals on the board, in their stages, the new stage included.
    page.get_by_role("link", name="Open the board").click()
    page.wait_for_url(f"{live_server.url}/**")
    shortlist = Stage.objects.get(pipeline=pipeline, name="Shortlist")
    for title, stage in [
        ("Alpha roof", stages[0]),
        ("Beta windows", shortlist),
        ("Gamma doors", stages[1]),
    ]:
        page.locator(f'.cards[data-stage-id="{stage.pk}"]').get_by_text(title).wait_for()
    shots(page, "8-board")

    deals = {d.title: d for d in Deal.objects.select_related("owner", "organization")}
    assert {t: d.value for t, d in deals.items()} == {
        "Alpha roof": Decimal("1234.50"),
        "Beta windows": Decimal("800.00"),
        "Gamma doors": Decimal("2500.00"),
    }
    newcomer = User.objects.get(username="nina-novak")
    assert deals["Beta windows"].owner == newcomer and not newcomer.has_usable_password()
    assert deals["Beta windows"].organization.name == "Globex"
    assert deals["Alpha roof"].organization.name == "Acme"
