"""Issue 7: each history row records when the stay it ends began, and each deal when its
latest done activity happened; existing rows are backfilled.

The backfill is two set-based UPDATE … FROM statements (PostgreSQL, and SQLite ≥ 3.33): the
previous row of a deal's history is `LAG(timestamp)` over the deal's rows ordered by
(timestamp, id), exactly the order the services and the metrics use.
"""

from django.db import migrations, models

BACKFILL_STAY_STARTED = """
UPDATE pipeline_stagechange
SET stay_started_at = prev.started
FROM (
    SELECT id, LAG("timestamp") OVER (PARTITION BY deal_id ORDER BY "timestamp", id) AS started
    FROM pipeline_stagechange
) AS prev
WHERE prev.id = pipeline_stagechange.id AND prev.started IS NOT NULL
"""

BACKFILL_LAST_DONE = """
UPDATE pipeline_deal
SET last_done_activity_at = done.last_at
FROM (
    SELECT deal_id, MAX(done_at) AS last_at
    FROM pipeline_activity
    WHERE deal_id IS NOT NULL AND done_at IS NOT NULL
    GROUP BY deal_id
) AS done
WHERE done.deal_id = pipeline_deal.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0009_issue10_currencies"),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="last_done_activity_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="last activity done at"
            ),
        ),
        migrations.AddField(
            model_name="stagechange",
            name="stay_started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunSQL(BACKFILL_STAY_STARTED, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(BACKFILL_LAST_DONE, reverse_sql=migrations.RunSQL.noop),
    ]
