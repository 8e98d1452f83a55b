"""One goal model (pipeline.Goal) for issue 6's weekly activity goals and issue 7's goals.

Creates the table and copies every row of pipeline.ActivityGoal and metrics.Goal into it;
the old tables are dropped by the next migrations (pipeline 0011, metrics 0002), after the
copy has committed. Reversible: going back copies the goals into the old tables again, each
to the one that can hold it (see `backwards`).
"""

import datetime

import django.db.models.deletion
import django.utils.timezone
import pipeline.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


# ActivityGoal.metric → (kind, activity type) of the unified goal, and back.
METRICS = {
    "call": ("activities_done", "call"),
    "meeting": ("activities_done", "meeting"),
    "email": ("activities_done", "email"),
    "demo": ("activities_done", "demo"),
    "task": ("activities_done", "task"),
    "new_deal": ("deals_started", ""),
    "new_conv": ("conversations", ""),
}
ACTIVITY_TYPES = {"", "call", "meeting", "email", "demo", "task"}
KINDS = {"revenue", "deals_won", "deals_started", "deals_progressed", "activities_done",
         "activities_added"}  # fmt: skip
INTERVALS = {"week", "month", "quarter"}


def forwards(apps, schema_editor):
    Goal = apps.get_model("pipeline", "Goal")
    ActivityGoal = apps.get_model("pipeline", "ActivityGoal")
    OldGoal = apps.get_model("metrics", "Goal")
    rows = []
    for old in OldGoal.objects.order_by("id"):
        activity_type = (old.activity_type or "").strip().lower()
        # The admin took any text here; a type that is not one of the five counted nothing,
        # and an end before the start never applied: neither is carried over (nor a kind or
        # interval outside the choices, which the old table did not constrain).
        if activity_type not in ACTIVITY_TYPES:
            continue
        if old.kind not in KINDS or old.interval not in INTERVALS:
            continue
        if old.ends_on is not None and old.ends_on < old.starts_on:
            continue
        rows.append(
            Goal(
                kind=old.kind,
                interval=old.interval,
                pipeline_id=old.pipeline_id,
                stage_id=old.stage_id,
                activity_type=activity_type,
                owner_id=old.owner_id,
                team_id=old.team_id,
                target=old.target,
                currency=old.currency,
                starts_on=old.starts_on,
                ends_on=old.ends_on,
                created_at=old.created_at,
                updated_at=old.created_at,
            )
        )
    for old in ActivityGoal.objects.order_by("id"):
        if not old.weekly_target:
            continue
        kind, activity_type = METRICS[old.metric]
        # An activity goal had no start: it counts from the week it was last set.
        day = timezone.localtime(old.updated_at).date()
        rows.append(
            Goal(
                kind=kind,
                interval="week",
                activity_type=activity_type,
                owner_id=old.owner_id,
                target=Decimal(old.weekly_target),
                currency=settings.DEFAULT_CURRENCY,
                starts_on=day - datetime.timedelta(days=day.weekday()),
                set_by_id=old.set_by_id,
                created_at=old.updated_at,
                updated_at=old.updated_at,
            )
        )
    Goal.objects.bulk_create(rows)


def backwards(apps, schema_editor):
    """A rep's open-ended weekly goal for all pipelines that the weekly table can show goes
    back to ActivityGoal (one per rep and metric); every other goal to metrics.Goal. New
    conversations goals of a team or the company, or not weekly, have no old home and are
    dropped."""
    Goal = apps.get_model("pipeline", "Goal")
    ActivityGoal = apps.get_model("pipeline", "ActivityGoal")
    OldGoal = apps.get_model("metrics", "Goal")
    to_metric = {value: key for key, value in METRICS.items()}
    taken = set()
    activity_rows, old_rows = [], []
    for goal in Goal.objects.order_by("id"):
        metric = to_metric.get((goal.kind, goal.activity_type))
        weekly_rep_goal = (
            metric is not None
            and goal.owner_id is not None
            and goal.pipeline_id is None
            and goal.interval == "week"
            and goal.ends_on is None
            and goal.target == goal.target.to_integral_value()
            and (goal.owner_id, metric) not in taken
        )
        if weekly_rep_goal:
            taken.add((goal.owner_id, metric))
            activity_rows.append(
                ActivityGoal(
                    owner_id=goal.owner_id,
                    metric=metric,
                    weekly_target=int(goal.target),
                    set_by_id=goal.set_by_id,
                    updated_at=goal.updated_at,
                )
            )
        elif goal.kind != "conversations":
            old_rows.append(
                OldGoal(
                    kind=goal.kind,
                    interval=goal.interval,
                    pipeline_id=goal.pipeline_id,
                    stage_id=goal.stage_id,
                    activity_type=goal.activity_type,
                    owner_id=goal.owner_id,
                    team_id=goal.team_id,
                    target=goal.target,
                    currency=goal.currency,
                    starts_on=goal.starts_on,
                    ends_on=goal.ends_on,
                    created_at=goal.created_at,
                )
            )
    ActivityGoal.objects.bulk_create(activity_rows)
    OldGoal.objects.bulk_create(old_rows)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_issue10_language_display_currency'),
        ('pipeline', '0010_issue7_stay_started_last_done'),
        # The rows of metrics.Goal are copied here before metrics drops its table.
        ('metrics', '0001_issue7_snapshots_goals'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Goal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('revenue', 'Revenue won'), ('deals_won', 'Deals won'), ('deals_started', 'Deals started'), ('deals_progressed', 'Deals progressed into a stage'), ('activities_done', 'Activities completed'), ('activities_added', 'Activities added'), ('conversations', 'New conversations')], default='revenue', max_length=20, verbose_name='goal type')),
                ('interval', models.CharField(choices=[('week', 'Weekly'), ('month', 'Monthly'), ('quarter', 'Quarterly')], default='month', max_length=8, verbose_name='interval')),
                ('activity_type', models.CharField(blank=True, choices=[('call', 'Call'), ('meeting', 'Meeting'), ('email', 'Email'), ('demo', 'Demo'), ('task', 'Task')], help_text='For activity goals: empty counts every type.', max_length=10, verbose_name='activity type')),
                ('target', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='target')),
                ('currency', models.CharField(default=pipeline.models.default_currency, max_length=3, verbose_name='currency')),
                ('starts_on', models.DateField(verbose_name='starts on')),
                ('ends_on', models.DateField(blank=True, null=True, verbose_name='ends on')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='updated at')),
                ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='goals', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                ('pipeline', models.ForeignKey(blank=True, help_text='Empty: every pipeline.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='goals', to='pipeline.pipeline', verbose_name='pipeline')),
                ('set_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='set by')),
                ('stage', models.ForeignKey(blank=True, help_text="For 'deals progressed': the stage deals must enter.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name='goals', to='pipeline.stage', verbose_name='stage')),
                ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='goals', to='accounts.team', verbose_name='team')),
            ],
            options={
                'verbose_name': 'goal',
                'verbose_name_plural': 'goals',
                'ordering': ['starts_on', 'id'],
            },
        ),
        migrations.AddConstraint(
            model_name='goal',
            constraint=models.CheckConstraint(condition=models.Q(('target__gt', Decimal('0'))), name='pipeline_goal_target_positive'),
        ),
        migrations.AddConstraint(
            model_name='goal',
            constraint=models.CheckConstraint(condition=models.Q(('owner__isnull', True), ('team__isnull', True), _connector='OR'), name='pipeline_goal_one_assignee'),
        ),
        migrations.AddConstraint(
            model_name='goal',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'deals_progressed'), _negated=True), ('stage__isnull', False), _connector='OR'), name='pipeline_goal_progressed_has_stage'),
        ),
        migrations.AddConstraint(
            model_name='goal',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['revenue', 'deals_won', 'deals_started', 'deals_progressed', 'activities_done', 'activities_added', 'conversations'])), name='pipeline_goal_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='goal',
            constraint=models.CheckConstraint(condition=models.Q(('interval__in', ['week', 'month', 'quarter'])), name='pipeline_goal_interval_valid'),
        ),
        migrations.AddConstraint(
            model_name='goal',
            constraint=models.CheckConstraint(condition=models.Q(('activity_type__in', ['', 'call', 'meeting', 'email', 'demo', 'task'])), name='pipeline_goal_activity_type_valid'),
        ),
        migrations.AddConstraint(
            model_name='goal',
            constraint=models.CheckConstraint(condition=models.Q(('ends_on__isnull', True), ('ends_on__gte', models.F('starts_on')), _connector='OR'), name='pipeline_goal_ends_after_start'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
