# StageTotal is a summary derived from the deals: recreate it per owner and refill it.

from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, Sum


def rebuild(apps, schema_editor):
    Deal = apps.get_model("pipeline", "Deal")
    StageTotal = apps.get_model("pipeline", "StageTotal")
    rows = (
        Deal.objects.filter(status="open", parked_until__isnull=True)
        .values("stage_id", "owner_id", "currency")
        .annotate(n=Count("id"), total=Sum("value"))
    )
    StageTotal.objects.bulk_create(
        StageTotal(
            stage_id=r["stage_id"],
            owner_id=r["owner_id"],
            currency=r["currency"],
            open_count=r["n"],
            open_value=r["total"] or Decimal("0"),
        )
        for r in rows
    )


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.DeleteModel(name="StageTotal"),
        migrations.CreateModel(
            name="StageTotal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("currency", models.CharField(max_length=3)),
                ("open_count", models.IntegerField(default=0)),
                ("open_value", models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=14)),
                ("owner", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("stage", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="totals", to="pipeline.stage")),
            ],
            options={
                "verbose_name": "stage total",
                "verbose_name_plural": "stage totals",
                "constraints": [
                    models.UniqueConstraint(fields=("stage", "owner", "currency"), name="pipeline_stagetotal_unique")
                ],
            },
        ),
        migrations.RunPython(rebuild, migrations.RunPython.noop),
    ]
