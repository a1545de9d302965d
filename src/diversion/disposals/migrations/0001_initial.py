"""The caution step's models, taken over from `cases` (cases 0006 drops them from its state).

State only: the tables already exist under their `cases_` names, which the models keep.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0001_initial'),
        ('cases', '0006_caution_models_to_disposals'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Disposal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('regime', models.CharField(max_length=30)),
                        ('disposal_date', models.DateField()),
                        ('authorising_officer', models.CharField(max_length=150)),
                        ('authorising_rank', models.CharField(max_length=30)),
                        ('programme_condition', models.BooleanField(default=True)),
                        ('reparative_condition', models.TextField(blank=True)),
                        ('restrictive_condition', models.TextField(blank=True)),
                        ('unpaid_work_hours', models.PositiveSmallIntegerField(default=0)),
                        ('deadline', models.DateField()),
                        ('signed_document', models.BooleanField(default=False)),
                        ('prosecution_last_day', models.DateField(blank=True, null=True)),
                        ('time_limit_basis', models.CharField(max_length=30)),
                        ('time_limit_explanation', models.TextField()),
                        ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('case', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='disposal', to='cases.case')),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'cases_disposal',
                        'constraints': [models.CheckConstraint(condition=models.Q(('unpaid_work_hours__lte', 20)), name='disposal_unpaid_work_max_20'), models.CheckConstraint(condition=models.Q(('deadline__gt', models.F('disposal_date'))), name='disposal_deadline_after_disposal')],
                    },
                ),
                migrations.CreateModel(
                    name='Referral',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('programme_code', models.CharField(max_length=40)),
                        ('programme_version', models.PositiveIntegerField()),
                        ('referred_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('first_contact_due', models.DateField()),
                        ('case', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='referral', to='cases.case')),
                        ('provider', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='referrals', to='accounts.organisation')),
                        ('referred_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'cases_referral',
                        'ordering': ['referred_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='VictimViewDecision',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('supervisor_name', models.CharField(max_length=150)),
                        ('supervisor_rank', models.CharField(choices=[('constable', 'Constable'), ('sergeant', 'Sergeant'), ('inspector', 'Inspector'), ('chief_inspector', 'Chief inspector'), ('superintendent', 'Superintendent'), ('chief_superintendent', 'Chief superintendent')], max_length=30)),
                        ('reasons', models.TextField()),
                        ('decided_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('case', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='victim_view_decision', to='cases.case')),
                        ('decided_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'cases_victimviewdecision',
                        'constraints': [models.CheckConstraint(condition=models.Q(('reasons', ''), _negated=True), name='victim_view_decision_has_reasons')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
