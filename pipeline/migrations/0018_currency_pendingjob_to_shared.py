"""`Currency` and `PendingJob` now belong to the `shared` app (its migration 0001 adds them to
Django's state over the same tables). This removes them from `pipeline`'s state, touching no
table, and moves their content types (and so their permissions) to `shared`."""

from django.db import migrations


def content_types_to_shared(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("currency", "pendingjob"):
        if not ContentType.objects.filter(app_label="shared", model=model).exists():
            ContentType.objects.filter(app_label="pipeline", model=model).update(
                app_label="shared"
            )


def content_types_to_pipeline(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("currency", "pendingjob"):
        if not ContentType.objects.filter(app_label="pipeline", model=model).exists():
            ContentType.objects.filter(app_label="shared", model=model).update(
                app_label="pipeline"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("pipeline", "0017_external_id_per_owner"),
        ("shared", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="currency", name="updated_by"),
                migrations.DeleteModel(name="PendingJob"),
                migrations.DeleteModel(name="Currency"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_shared, content_types_to_pipeline),
    ]
