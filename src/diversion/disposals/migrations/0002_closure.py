"""Closure: why each case was closed. Cases closed before reasons were recorded could only have
closed from "completed" or from "cautioned" with no programme condition, so their reason is
filled in from the status the closing event left (or, with no event, from whether the case was
referred); who and when from that event."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

FROM_STATUS = {"completed": "programme_completed", "cautioned": "no_programme_condition",
               "decided": "other"}


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
        # The status it closed from says why; without the event, whether it was referred does.
        before = event.from_status if event else ""
        reason = FROM_STATUS.get(before) or (
            "programme_completed" if case_id in referred else "no_programme_condition")
        made.append(Closure(
            case_id=case_id, reason=reason,
            detail=("Reason filled in from the case's history when closure reasons began"
                    if reason != "other" else f"Closed from “{before}” before reasons began"),
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
