"""A force's provider for a programme gets dates and who recorded it, and keeps its history.

Existing settings (one per force and programme, no dates) are kept as they were: each applies
from 1 January 2000, open-ended, so every case referred under it is still covered."""

import datetime

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('programmes', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='programmeprovider',
            name='programmeprovider_unique',
        ),
        migrations.AddField(
            model_name='programmeprovider',
            name='valid_from',
            field=models.DateField(default=datetime.date(2000, 1, 1), verbose_name='Date from'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='programmeprovider',
            name='valid_to',
            field=models.DateField(blank=True, null=True, verbose_name='End date'),
        ),
        migrations.AddField(
            model_name='programmeprovider',
            name='recorded_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='programmeprovider',
            name='recorded_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterModelOptions(
            name='programmeprovider',
            options={'ordering': ['programme_code', '-valid_from']},
        ),
        migrations.AddConstraint(
            model_name='programmeprovider',
            constraint=models.CheckConstraint(condition=models.Q(('valid_to__isnull', True), ('valid_to__gte', models.F('valid_from')), _connector='OR'), name='programmeprovider_ends_after_start'),
        ),
    ]
