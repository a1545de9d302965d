"""Closure: why each case was closed. Cases closed before reasons were recorded could only have
closed from "completed" (they had a referral) or from "cautioned" with no programme condition
(no referral), so their reason is filled in from that; who and when from the closing event."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def fill_in_reasons(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    Referral = apps.get_model("disposals", "Referral")
    Closure = apps.get_model("disposals", "Closure")
    referred = set(Referral.objects.values_list("case_id", flat=True))
    made = []
    for case_id in (Case.objects.filter(status="closed", closure__isnull=True)
                    .values_list("pk", flat=True).iterator()):
        event = (CaseEvent.objects.filter(case_id=case_id, to_status="closed")
                 .order_by("occurred_at", "id").first())
        made.append(Closure(
            case_id=case_id,
            reason="programme_completed" if case_id in referred else "no_programme_condition",
            detail="Reason filled in from the case's history when closure reasons began",
            closed_by_id=event.actor_id if event else None,
            closed_at=event.occurred_at if event else django.utils.timezone.now()))
        if len(made) >= 2000:
            Closure.objects.bulk_create(made)
            made = []
    Closure.objects.bulk_create(made)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_caution_models_to_disposals'),
        ('disposals', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Closure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.CharField(choices=[('programme_completed', 'Completed the programme'), ('no_programme_condition', 'Cautioned with no programme condition'), ('prosecuted_after_breach', 'Prosecuted for the original offence after a breach'), ('nfa_after_breach', 'No further action after a breach'), ('other', 'Another reason')], max_length=30)),
                ('detail', models.TextField(blank=True)),
                ('closed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('case', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='closure', to='cases.case')),
                ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(('detail', ''), ('reason', 'other'), _negated=True), name='closure_other_has_detail')],
            },
        ),
        migrations.RunPython(fill_in_reasons, migrations.RunPython.noop),
    ]
