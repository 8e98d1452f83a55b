"""The outbox and the currencies move from `pipeline` to `shared`: the models change app, the
tables (`pipeline_pendingjob`, `pipeline_currency`) stay where they are, so this migration only
tells Django's state; `pipeline.0018` removes them from `pipeline`'s state."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # The tables were created by pipeline's migrations (0008, 0009, 0015).
        ("pipeline", "0017_external_id_per_owner"),
    ]

    state_operations = [
        migrations.CreateModel(
            name='PendingJob',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('task', models.CharField(max_length=200, verbose_name='task')),
                ('args', models.JSONField(blank=True, default=list, verbose_name='arguments')),
                ('kwargs', models.JSONField(blank=True, default=dict, verbose_name='keyword arguments')),
                ('queue', models.CharField(blank=True, max_length=100, verbose_name='queue')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('attempts', models.PositiveIntegerField(default=1, verbose_name='attempts')),
                ('last_error', models.CharField(blank=True, max_length=300, verbose_name='last error')),
                ('claimed_until', models.DateTimeField(blank=True, null=True, verbose_name='claimed until')),
                ('not_before', models.DateTimeField(blank=True, null=True, verbose_name='not before')),
            ],
            options={
                'verbose_name': 'pending background job',
                'verbose_name_plural': 'pending background jobs',
                'db_table': 'pipeline_pendingjob',
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Currency',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=3, unique=True, verbose_name='code')),
                ('rate', models.DecimalField(blank=True, decimal_places=10, max_digits=20, null=True, verbose_name='rate to the base currency')),
                ('rate_date', models.DateField(blank=True, null=True, verbose_name='rate date')),
                ('is_enabled', models.BooleanField(default=True, verbose_name='enabled')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='updated by')),
            ],
            options={
                'verbose_name': 'currency',
                'verbose_name_plural': 'currencies',
                'db_table': 'pipeline_currency',
                'ordering': ['code'],
                'constraints': [models.CheckConstraint(condition=models.Q(('rate__isnull', True), ('rate__gt', 0), _connector='OR'), name='pipeline_currency_rate_pos'), models.CheckConstraint(condition=models.Q(models.Q(('rate__isnull', True), ('rate_date__isnull', True)), models.Q(('rate__isnull', False), ('rate_date__isnull', False)), _connector='OR'), name='pipeline_currency_rate_dated')],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[])
    ]
