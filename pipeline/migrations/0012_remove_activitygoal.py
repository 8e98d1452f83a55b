"""Drop pipeline.ActivityGoal: its rows were copied into pipeline.Goal by 0010 (a separate
migration so the copy has committed before the table goes, which PostgreSQL needs when rows
with deferred foreign keys were just written)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0011_goal_unified"),
    ]

    operations = [
        migrations.DeleteModel(
            name="ActivityGoal",
        ),
    ]
