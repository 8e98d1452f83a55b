"""Drop metrics.Goal: goals live in pipeline.Goal now (the board shows them, and `pipeline`
never imports `metrics`). pipeline 0010 copied the rows first."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0001_issue7_snapshots_goals"),
        ("pipeline", "0011_goal_unified"),
    ]

    operations = [
        migrations.DeleteModel(
            name="Goal",
        ),
    ]
